//! Acknowledgements of a received interchange: a TA1 (the interchange
//! envelope), and one FA group with a 997 or 999 per received group: AK1,
//! per set AK2, AK3/AK4 (997) or IK3/IK4 (999) and AK5/IK5, then AK9 with
//! its counts recomputed from the sets' codes. Values echoed from the
//! received interchange have the answer's delimiters replaced by spaces.

use super::envelope::group_code;
use super::generate::{Envelope, W};
use super::{Group, Interchange, SegmentError, Version};
use crate::error::{Error, Location, Result};

/// The answer to `ic`: TA1 first when `ta1`, then the FA group.
pub fn acknowledge(ic: &Interchange, env: &Envelope, kind: &str, ta1: bool) -> Result<Vec<u8>> {
    if !matches!(kind, "997" | "999") {
        return Err(Error::input(
            Location::field("kind"),
            format!("must be \"997\" or \"999\", got {kind:?}"),
        ));
    }
    if kind == "999" && env.version == Version::V4010 {
        return Err(Error::input(
            Location::field("envelope.version"),
            "a 999 is written in 5010 only",
        ));
    }
    if !ta1 && ic.groups.is_empty() {
        return Err(Error::input(
            Location::field("interchange.groups"),
            "no group to acknowledge: send a TA1",
        ));
    }
    let mut w = W::new(env);
    w.isa(env);
    if ta1 {
        let date = ic.date.replace('-', "");
        let date = date.get(2..).unwrap_or_default();
        let control = clean(&w, &ic.control);
        let time = clean(&w, &ic.time);
        let code = if ic.ta1.code.is_empty() {
            "A"
        } else {
            ic.ta1.code.as_str()
        };
        let note = if ic.ta1.note.is_empty() {
            "000"
        } else {
            ic.ta1.note.as_str()
        };
        w.seg("TA1", &[&control, date, &time, code, note]);
    }
    if ic.groups.is_empty() {
        w.ge_iea(env, 0, 0);
        return Ok(w.out);
    }
    w.gs(env, "FA");
    for (k, g) in ic.groups.iter().enumerate() {
        let control = env.set_control + k as u64;
        let implementation = if kind == "999" { "005010X231A1" } else { "" };
        w.st(kind, control, implementation);
        group(&mut w, g, kind, env.version)?;
        w.se(control);
    }
    w.ge_iea(env, ic.groups.len(), 1);
    Ok(w.out)
}

fn clean(w: &W, v: &str) -> String {
    w.free(Some(v.to_string()))
}

fn group(w: &mut W, g: &Group, kind: &str, v: Version) -> Result<()> {
    let fid = clean(w, &g.functional_id);
    let control = clean(w, &g.control);
    let version = if v == Version::V5010 {
        clean(w, &g.version)
    } else {
        String::new()
    };
    w.seg("AK1", &[&fid, &control, &version]);
    for s in &g.sets {
        let imp = if v == Version::V5010 {
            clean(w, &s.implementation)
        } else {
            String::new()
        };
        w.seg("AK2", &[&clean(w, &s.set_id), &clean(w, &s.control), &imp]);
        let mut i = 0;
        while i < s.errors.len() {
            // one AK3/IK3 per segment in error, its element errors after it
            let first = &s.errors[i];
            let same =
                |e: &SegmentError| e.segment == first.segment && e.segment_id == first.segment_id;
            let n = s.errors[i..].iter().take_while(|e| same(e)).count();
            segment_errors(w, &s.errors[i..i + n], kind);
            i += n;
        }
        let code = if s.ack_code.is_empty() {
            "A"
        } else {
            s.ack_code.as_str()
        };
        let mut els: Vec<String> = vec![code.to_string()];
        els.extend(s.ack_errors.iter().take(5).map(|e| clean(w, e)));
        let refs: Vec<&str> = els.iter().map(String::as_str).collect();
        w.seg(if kind == "997" { "AK5" } else { "IK5" }, &refs);
    }
    let n = g.sets.len();
    let accepted = g.sets.iter().filter(|s| s.ack_code != "R").count();
    let mut recomputed = g.clone();
    recomputed.errors.retain(|e| !e.code.is_empty());
    let code = group_code(&recomputed);
    let mut els: Vec<String> = vec![
        code.into(),
        n.to_string(),
        n.to_string(),
        accepted.to_string(),
    ];
    els.extend(g.ack_errors.iter().take(5).map(|e| clean(w, e)));
    let refs: Vec<&str> = els.iter().map(String::as_str).collect();
    w.seg("AK9", &refs);
    Ok(())
}

fn segment_errors(w: &mut W, errs: &[SegmentError], kind: &str) {
    let first = &errs[0];
    let seg_code = errs
        .iter()
        .find(|e| e.element == 0)
        .map_or("8", |e| e.code.as_str());
    let (ak3, ak4) = if kind == "997" {
        ("AK3", "AK4")
    } else {
        ("IK3", "IK4")
    };
    let loop_id = clean(w, &first.loop_id);
    w.seg(
        ak3,
        &[
            &clean(w, &first.segment_id),
            &first.segment.to_string(),
            &loop_id,
            &clean(w, seg_code),
        ],
    );
    for e in errs.iter().filter(|e| e.element > 0) {
        let comp = (w.d.component as char).to_string();
        let pos = if e.component > 0 {
            format!("{}{comp}{}", e.element, e.component)
        } else {
            e.element.to_string()
        };
        let value: String = clean(w, &e.value).chars().take(99).collect();
        w.seg(ak4, &[&pos, "", &clean(w, &e.element_code), &value]);
    }
}
