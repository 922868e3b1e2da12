//! Clusters of likely pairs, guarded against chaining.

use hashbrown::{HashMap, HashSet};

use super::score::Options;

/// Union likely pairs into clusters, best pairs first. Two clusters join
/// only when the result has at most `max_cluster` records and at least
/// `min_density` of the record pairs across them are likely pairs: a chain
/// A-B, B-C, C-D does not pull A and D together. A cluster's id is the
/// smallest record id in it, so ids are stable across runs. Returns the
/// cluster id of each record (0: none).
pub fn cluster(ids: &[i64], likely: &[(usize, usize, f64)], o: &Options) -> Vec<i64> {
    let n = ids.len();
    let mut edges: Vec<&(usize, usize, f64)> = likely.iter().collect();
    edges.sort_by(|x, y| {
        y.2.total_cmp(&x.2)
            .then(ids[x.0].min(ids[x.1]).cmp(&ids[y.0].min(ids[y.1])))
            .then(ids[x.0].max(ids[x.1]).cmp(&ids[y.0].max(ids[y.1])))
    });
    let linked: HashSet<(usize, usize)> = likely
        .iter()
        .map(|(a, b, _)| ((*a).min(*b), (*a).max(*b)))
        .collect();
    let mut owner: HashMap<usize, usize> = HashMap::new();
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    let root = |owner: &HashMap<usize, usize>, x: usize| owner.get(&x).copied().unwrap_or(x);
    for (a, b, _) in edges {
        let (ra, rb) = (root(&owner, *a), root(&owner, *b));
        if ra == rb {
            continue;
        }
        let ma = members.get(&ra).cloned().unwrap_or_else(|| vec![ra]);
        let mb = members.get(&rb).cloned().unwrap_or_else(|| vec![rb]);
        if ma.len() + mb.len() > o.max_cluster {
            continue;
        }
        let links = ma
            .iter()
            .flat_map(|x| mb.iter().map(move |y| ((*x).min(*y), (*x).max(*y))))
            .filter(|p| linked.contains(p))
            .count();
        if (links as f64) < o.min_density * (ma.len() * mb.len()) as f64 {
            continue;
        }
        let (keep, gone) = if ma.len() >= mb.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let moved = if gone == ra { ma.clone() } else { mb.clone() };
        let mut all = if keep == ra { ma } else { mb };
        for m in &moved {
            owner.insert(*m, keep);
        }
        all.extend(moved);
        owner.insert(keep, keep);
        members.remove(&gone);
        members.insert(keep, all);
    }
    let mut out = vec![0i64; n];
    for list in members.values() {
        let id = list.iter().map(|m| ids[*m]).min().unwrap_or(0);
        for m in list {
            out[*m] = id;
        }
    }
    out
}
