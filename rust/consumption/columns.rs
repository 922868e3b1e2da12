//! The event columns read once per distinct text: each text of a column is
//! trimmed and parsed once, into a table by text id, so that the work per
//! event is a few array reads.

use hashbrown::HashMap;

use super::input::{parse_day, CodeSel, Input, Kind, Names};
use crate::reconcile::index::Index;

/// Texts trimmed: each id of a [`Names`] mapped to the id of its trimmed
/// text (an id past the names when that text is not among them).
pub(super) struct Trimmed {
    pub(super) ids: Vec<u32>,
}

impl Trimmed {
    pub(super) fn new(names: &Names) -> Self {
        let n = names.len();
        let mut extra: HashMap<&str, u32> = HashMap::new();
        let ids = (0..n as u32)
            .map(|id| {
                let text = names.text(id);
                let trimmed = text.trim();
                if trimmed.len() == text.len() {
                    return id;
                }
                names.find(trimmed).unwrap_or_else(|| {
                    let next = (n + extra.len()) as u32;
                    *extra.entry(trimmed).or_insert(next)
                })
            })
            .collect();
        Trimmed { ids }
    }
}

/// `f` of the trimmed text of every id `col` uses, in a table by id (`none`
/// for the ids it does not use).
fn by_id<T: Copy>(names: &Names, col: &[u32], none: T, f: impl Fn(&str) -> T) -> Vec<T> {
    let mut out = vec![none; names.len()];
    let mut seen = vec![false; names.len()];
    for &id in col {
        let id = id as usize;
        if !seen[id] {
            seen[id] = true;
            out[id] = f(names.text(id as u32).trim());
        }
    }
    out
}

/// What the texts of the event columns say, by text id.
pub(super) struct Columns {
    /// Trimmed ids of the names (cabinets and departments compare trimmed).
    pub(super) trimmed: Trimmed,
    /// Trimmed ids of the event ids.
    pub(super) event_ids: Trimmed,
    pub(super) kind: Vec<Option<Kind>>,
    pub(super) code_sel: Vec<Option<CodeSel>>,
    /// `None`: not a date; `Some(NO_DATE)`: none given.
    pub(super) expiry: Vec<Option<i32>>,
    /// The location a cabinet's text names.
    pub(super) location: Vec<Option<i64>>,
}

impl Columns {
    pub(super) fn read(input: &Input, ix: &Index) -> Self {
        let (names, e) = (&input.names, &input.events);
        Columns {
            trimmed: Trimmed::new(names),
            event_ids: Trimmed::new(&input.event_ids),
            kind: by_id(names, &e.kind, None, Kind::parse),
            code_sel: by_id(names, &e.code_kind, None, CodeSel::parse),
            expiry: by_id(names, &e.expiry, None, parse_day),
            location: by_id(names, &e.cabinet, None, |c| ix.location(c)),
        }
    }
}
