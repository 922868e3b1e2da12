use rust_decimal::Decimal;

use super::line::Grouped;
use super::score::{month_score, series, Scoring};
use super::time::month_of_day;
use super::*;
use crate::error::Location;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// 2024-01-01 00:00 UTC.
const JAN: i64 = 1_704_067_200;
/// 2024-02-01, 2024-03-01, 2024-04-01 00:00 UTC.
const FEB: i64 = JAN + 31 * DAY;
const MAR: i64 = FEB + 29 * DAY;
const APR: i64 = MAR + 31 * DAY;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A line of a test, with every column settable.
#[derive(Clone)]
struct L {
    id: i64,
    vendor: i64,
    category: i64,
    ordered: i64,
    sent: i64,
    promised: i64,
    qty: &'static str,
    price: &'static str,
    contract: Option<&'static str>,
    cancelled: bool,
}

impl Default for L {
    fn default() -> Self {
        L {
            id: 1,
            vendor: 7,
            category: 0,
            ordered: JAN,
            sent: 0,
            promised: JAN + 10 * DAY,
            qty: "10",
            price: "5",
            contract: None,
            cancelled: false,
        }
    }
}

#[derive(Default)]
struct World {
    input: Input,
    lots: Lots,
}

impl World {
    fn line(mut self, l: L) -> Self {
        let t = &mut self.input.lines;
        t.id.push(l.id);
        t.vendor.push(l.vendor);
        t.category.push(l.category);
        t.ordered_at.push(l.ordered);
        t.sent_at.push(l.sent);
        t.promised_at.push(l.promised);
        t.qty.push(d(l.qty));
        t.price.push(d(l.price));
        t.contract_price.push(l.contract.map(d));
        t.cancelled.push(l.cancelled);
        self
    }
    fn ack(mut self, line: i64, at: i64, promised: i64, status: AckStatus) -> Self {
        let t = &mut self.input.acks;
        t.line.push(line);
        t.at.push(at);
        t.promised_at.push(promised);
        t.status.push(status);
        t.qty.push(Decimal::ZERO);
        self
    }
    fn receipt(self, line: i64, at: i64, qty: &str) -> Self {
        self.moved(line, at, qty, MoveKind::Receipt, 0, "")
    }
    fn moved(
        mut self,
        line: i64,
        at: i64,
        qty: &str,
        kind: MoveKind,
        picking: i64,
        lot: &str,
    ) -> Self {
        let lot = self.lots.id(lot);
        let t = &mut self.input.receipts;
        t.line.push(line);
        t.at.push(at);
        t.qty.push(d(qty));
        t.kind.push(kind);
        t.picking.push(picking);
        t.lot.push(lot);
        self
    }
    fn asn(mut self, line: i64, at: i64, picking: i64, lot: &str, qty: &str) -> Self {
        let lot = self.lots.id(lot);
        let t = &mut self.input.asns;
        t.line.push(line);
        t.at.push(at);
        t.picking.push(picking);
        t.lot.push(lot);
        t.qty.push(d(qty));
        self
    }
    fn bill(mut self, line: i64, at: i64, price: &str, first_pass: FirstPass) -> Self {
        let t = &mut self.input.bills;
        t.line.push(line);
        t.at.push(at);
        t.qty.push(Decimal::ONE);
        t.price.push(d(price));
        t.first_pass.push(first_pass);
        self
    }
    fn run(&self, o: &Options) -> Output {
        scorecard(&self.input, o).unwrap()
    }
}

fn opts() -> Options {
    Options::new(APR)
}

/// The row of (vendor, category, month) of `out`.
fn row(out: &Output, vendor: i64, category: i64, month: i32) -> &Row {
    out.rows
        .iter()
        .find(|r| (r.vendor, r.category, r.month) == (vendor, category, month))
        .unwrap_or_else(|| panic!("no row {vendor}/{category}/{}", month_label(month)))
}

fn jan() -> i32 {
    2024 * 12
}

// ------------------------------------------------------------------- time

#[test]
fn local_time_follows_the_last_transition() {
    // Berlin 2024: +1 h, +2 h from 2024-03-31 01:00 UTC, +1 h from 2024-10-27 01:00 UTC
    let summer = 1_711_846_800;
    let winter = 1_729_990_800;
    let c = Clock::new(&[(0, 3600), (summer, 7200), (winter, 3600)]).unwrap();
    assert_eq!(c.local(summer - 1), summer - 1 + 3600);
    assert_eq!(c.local(summer), summer + 7200);
    assert_eq!(c.local(winter), winter + 3600);
    // 2024-03-31 22:30 UTC is 2024-04-01 00:30 in Berlin: April
    let t = APR - 90 * 60;
    assert_eq!(c.month(t), jan() + 3);
    assert_eq!(Clock::default().month(t), jan() + 2);
    // 2023-12-31 23:30 UTC is 2024-01-01 00:30 at +1 h
    assert_eq!(c.month(JAN - 1800), jan());
    assert_eq!(c.day(JAN - 1800), JAN / DAY);
    // before the first transition: UTC
    let c = Clock::new(&[(JAN, -5 * 3600)]).unwrap();
    assert_eq!(c.local(JAN - 1), JAN - 1);
    assert_eq!(c.day(JAN + 3600), JAN / DAY - 1);
}

#[test]
fn months_and_labels() {
    assert_eq!(month_of_day(0), 1970 * 12);
    assert_eq!(month_of_day(JAN / DAY - 1), 2023 * 12 + 11);
    assert_eq!(month_of_day(MAR / DAY - 1), jan() + 1); // 2024-02-29
    assert_eq!(month_of_day(MAR / DAY), jan() + 2);
    assert_eq!(month_label(jan() + 11), "2024-12");
    assert_eq!(month_label(1970 * 12), "1970-01");
}

#[test]
fn transitions_must_be_sorted() {
    let e = Clock::new(&[(10, 0), (10, 3600)]).unwrap_err();
    assert_eq!(
        (e.location(), e.rule()),
        (Some(&Location::row("options.tz", 1)), Some("bad_option"))
    );
    assert!(Clock::new(&[(10, 86_400)]).is_err());
}

// ------------------------------------------------------------ delivery

#[test]
fn a_due_line_without_receipts_is_neither_on_time_nor_filled() {
    let out = World::default().line(L::default()).run(&opts());
    let r = row(&out, 7, 0, jan());
    let c = r.counts;
    assert_eq!(
        (
            c.lines_due,
            c.lines_otif,
            c.lines_filled,
            c.lines_backordered
        ),
        (1, 0, 0, 0)
    );
    assert_eq!(c.lines_received, 0);
    assert_eq!(r.rates[0], Some(0.0));
    assert_eq!(r.rates[2], Some(0.0));
    assert_eq!(r.lead_time_days, None);
    assert_eq!(r.rates[7], None);
    assert_eq!(out.rows.len(), 1);
}

#[test]
fn a_line_is_due_once_its_window_closed_before_as_of() {
    let promised = JAN + 10 * DAY + 5 * HOUR;
    let w = World::default().line(L {
        promised,
        ..L::default()
    });
    // as_of on the target day: not due yet (target_day + late_days < as_of_day)
    let mut o = Options::new(promised + HOUR);
    assert!(w.run(&o).rows.is_empty());
    o.as_of = JAN + 11 * DAY;
    assert_eq!(w.run(&o).rows[0].counts.lines_due, 1);
    o.late_days = 1;
    assert!(w.run(&o).rows.is_empty());
    o.as_of = JAN + 12 * DAY;
    assert_eq!(w.run(&o).rows[0].counts.lines_due, 1);
}

#[test]
fn on_time_window_is_in_local_days() {
    let promised = JAN + 10 * DAY + 12 * HOUR;
    let early = JAN + 7 * DAY; // three days before: inside
    let too_early = JAN + 7 * DAY - 1; // the day before: outside
    let late = JAN + 11 * DAY; // the day after: outside with late_days 0
    let world = |at: i64| {
        World::default()
            .line(L {
                promised,
                ..L::default()
            })
            .receipt(1, at, "10")
    };
    let otif = |at: i64, o: &Options| {
        world(at)
            .run(o)
            .rows
            .iter()
            .map(|r| r.counts.lines_otif)
            .sum::<u64>()
    };
    let o = opts();
    assert_eq!(otif(early, &o), 1);
    assert_eq!(otif(too_early, &o), 0);
    assert_eq!(otif(late, &o), 0);
    assert_eq!(otif(JAN + 11 * DAY - 1, &o), 1);
    let mut o = opts();
    o.late_days = 1;
    assert_eq!(otif(late, &o), 1);
    // at +2 h, 23:30 UTC of day 6 is day 7 locally
    let mut o = opts();
    o.tz = vec![(0, 2 * 3600)];
    assert_eq!(otif(too_early - 30 * 60, &o), 1);
}

#[test]
fn partial_receipts_fill_rate_backorders_and_tolerance() {
    // 6 then 4: in full within the window, not filled by the first receipt, backordered
    let w = World::default()
        .line(L::default())
        .receipt(1, JAN + 8 * DAY, "6")
        .receipt(1, JAN + 9 * DAY, "4");
    let c = w.run(&opts()).rows[0].counts;
    assert_eq!(
        (c.lines_otif, c.lines_filled, c.lines_backordered),
        (1, 0, 1)
    );
    // two receipts at the same instant are the first receipt together
    let w = World::default()
        .line(L::default())
        .receipt(1, JAN + 8 * DAY, "6")
        .receipt(1, JAN + 8 * DAY, "4");
    let c = w.run(&opts()).rows[0].counts;
    assert_eq!(
        (c.lines_otif, c.lines_filled, c.lines_backordered),
        (1, 1, 0)
    );
    // short with no later receipt: not backordered; within a 10 % tolerance: filled and in full
    let w = World::default()
        .line(L::default())
        .receipt(1, JAN + 8 * DAY, "9");
    let c = w.run(&opts()).rows[0].counts;
    assert_eq!(
        (c.lines_otif, c.lines_filled, c.lines_backordered),
        (0, 0, 0)
    );
    let mut o = opts();
    o.qty_tolerance = d("10");
    let c = w.run(&o).rows[0].counts;
    assert_eq!((c.lines_otif, c.lines_filled), (1, 1));
    o.qty_tolerance = d("9.99");
    let c = w.run(&o).rows[0].counts;
    assert_eq!((c.lines_otif, c.lines_filled), (0, 0));
    // over-delivery: filled, but not in full beyond the tolerance
    let w = World::default()
        .line(L::default())
        .receipt(1, JAN + 8 * DAY, "11");
    let c = w.run(&opts()).rows[0].counts;
    assert_eq!((c.lines_otif, c.lines_filled), (0, 1));
    let c = w.run(&o).rows[0].counts;
    assert_eq!(c.lines_otif, 0);
    o.qty_tolerance = d("10");
    assert_eq!(w.run(&o).rows[0].counts.lines_otif, 1);
}

#[test]
fn a_backorder_acknowledgement_counts_whatever_the_receipts() {
    let w = World::default()
        .line(L::default())
        .ack(1, JAN + HOUR, 0, AckStatus::Backordered)
        .ack(1, JAN + 2 * HOUR, 0, AckStatus::Accepted)
        .receipt(1, JAN + 9 * DAY, "10");
    let c = w.run(&opts()).rows[0].counts;
    assert_eq!(
        (c.lines_otif, c.lines_filled, c.lines_backordered),
        (1, 1, 1)
    );
}

#[test]
fn returns_and_lead_time_by_month_of_first_receipt() {
    // ordered Jan 1, received Jan 3 (2 days) and Feb 2 (32 days, another line), one returned
    let w = World::default()
        .line(L::default())
        .line(L {
            id: 2,
            promised: FEB,
            ..L::default()
        })
        .line(L {
            id: 3,
            ordered: JAN + 12 * HOUR,
            promised: FEB,
            ..L::default()
        })
        .receipt(1, JAN + 2 * DAY, "10")
        .receipt(2, FEB + DAY, "10")
        .receipt(2, FEB + 5 * DAY, "3")
        .receipt(3, FEB + DAY, "10")
        .moved(2, FEB + 6 * DAY, "3", MoveKind::Return, 0, "");
    let out = w.run(&opts());
    let jan_row = row(&out, 7, 0, jan());
    assert_eq!(jan_row.counts.lines_received, 1);
    assert_eq!(jan_row.lead_time_days, Some(2.0));
    assert_eq!(jan_row.lead_time_std_days, Some(0.0));
    assert_eq!(jan_row.rates[7], Some(0.0));
    let feb = row(&out, 7, 0, jan() + 1);
    assert_eq!(
        (feb.counts.lines_received, feb.counts.lines_returned),
        (2, 1)
    );
    assert_eq!(feb.rates[7], Some(50.0));
    // 32 and 31.5 days: mean 31.75, population std 0.25
    assert_eq!(feb.lead_time_days, Some(31.75));
    assert_eq!(feb.lead_time_std_days, Some(0.25));
    // a return alone is no receipt
    let w = World::default()
        .line(L::default())
        .moved(1, JAN + DAY, "1", MoveKind::Return, 0, "");
    let c = w.run(&opts()).rows[0].counts;
    assert_eq!((c.lines_received, c.lines_returned), (0, 0));
}

#[test]
fn cancelled_lines_and_their_events_are_left_out() {
    let w = World::default()
        .line(L {
            cancelled: true,
            sent: JAN,
            ..L::default()
        })
        .ack(1, JAN + HOUR, 0, AckStatus::Accepted)
        .receipt(1, JAN + DAY, "10")
        .asn(1, JAN, 5, "", "10")
        .bill(1, JAN + DAY, "5", FirstPass::Pass);
    let out = w.run(&opts());
    assert!(out.rows.is_empty());
    assert_eq!((out.stats.cancelled, out.stats.ignored), (1, 4));
}

#[test]
fn events_after_as_of_are_ignored() {
    let w = World::default()
        .line(L::default())
        .receipt(1, JAN + 9 * DAY, "4")
        .receipt(1, JAN + 20 * DAY, "6");
    let mut o = Options::new(JAN + 15 * DAY);
    let out = w.run(&o);
    let c = out.rows[0].counts;
    assert_eq!(
        (c.lines_filled, c.lines_backordered, out.stats.ignored),
        (0, 0, 1)
    );
    o.as_of = APR;
    let c = w.run(&o).rows[0].counts;
    assert_eq!((c.lines_filled, c.lines_backordered), (0, 1));
}

// ------------------------------------------------------------ acknowledgements

#[test]
fn acknowledgement_on_time_by_the_first_ack() {
    let sent = JAN + 3 * HOUR;
    let w = World::default()
        .line(L {
            sent,
            ..L::default()
        })
        .line(L {
            id: 2,
            sent,
            ..L::default()
        })
        .line(L {
            id: 3,
            sent,
            ..L::default()
        })
        // line 1: first ack after 24 h exactly (on time), a later one does not matter
        .ack(1, sent + 30 * HOUR, 0, AckStatus::Accepted)
        .ack(1, sent + 24 * HOUR, 0, AckStatus::Accepted)
        // line 2: late
        .ack(2, sent + 24 * HOUR + 1, 0, AckStatus::Rejected);
    // line 3: not acknowledged, overdue
    let r = w.run(&opts()).rows[0].clone();
    let c = r.counts;
    assert_eq!(
        (c.lines_sent, c.lines_acked, c.lines_ack_on_time),
        (3, 2, 1)
    );
    assert_eq!(
        r.ack_latency_hours,
        Some((48.0 * 3600.0 + 1.0) / 2.0 / 3600.0)
    );
    assert_eq!(r.rates[3], Some(100.0 / 3.0));
    // judged at sent + 2 h: only the lines acked by then count, none is
    let o = Options::new(sent + 2 * HOUR);
    assert!(w.run(&o).rows.is_empty());
    // at sent + 24 h + 1 s, line 1 is acked (on time) and line 3 overdue
    let o = Options::new(sent + 24 * HOUR + 1);
    let c = w.run(&o).rows[0].counts;
    assert_eq!(
        (c.lines_sent, c.lines_acked, c.lines_ack_on_time),
        (3, 2, 1)
    );
    let o = Options::new(sent + 24 * HOUR);
    let c = w.run(&o).rows[0].counts;
    assert_eq!(
        (c.lines_sent, c.lines_acked, c.lines_ack_on_time),
        (1, 1, 1)
    );
}

#[test]
fn last_acknowledged_target_takes_the_last_promise() {
    let w = World::default()
        .line(L {
            promised: JAN + 5 * DAY,
            ..L::default()
        })
        .ack(1, JAN + HOUR, JAN + 20 * DAY, AckStatus::Accepted)
        // same instant, later row: wins
        .ack(1, JAN + HOUR, FEB + 2 * DAY, AckStatus::Accepted)
        // later, but no promise: does not count
        .ack(1, JAN + 2 * HOUR, 0, AckStatus::Accepted)
        .receipt(1, FEB, "10");
    let first = w.run(&opts());
    assert_eq!(row(&first, 7, 0, jan()).counts.lines_otif, 0);
    let mut o = opts();
    o.target = Target::LastAcknowledged;
    let out = w.run(&o);
    let c = row(&out, 7, 0, jan() + 1).counts;
    assert_eq!((c.lines_due, c.lines_otif), (1, 1));
    // the promise of an ack received after as_of is not known
    let mut o = Options::new(JAN + 30 * DAY);
    o.target = Target::LastAcknowledged;
    let w = World::default()
        .line(L::default())
        .ack(1, JAN + 25 * DAY, FEB + 10 * DAY, AckStatus::Accepted)
        .ack(1, JAN + 31 * DAY, JAN + 12 * DAY, AckStatus::Accepted);
    let out = w.run(&o);
    assert!(out.rows.iter().all(|r| r.counts.lines_due == 0));
}

// ------------------------------------------------------------ ship notices

#[test]
fn ship_notice_groups() {
    let w = World::default()
        .line(L::default())
        .line(L {
            id: 2,
            ..L::default()
        })
        // picking 50: line 1 lot A announced 5, received 5 (accurate); lot B announced 5, received 4
        .asn(1, FEB - HOUR, 50, "A", "5")
        .asn(1, FEB + HOUR, 50, "B", "5")
        .moved(1, FEB + DAY, "5", MoveKind::Receipt, 50, "A")
        .moved(1, FEB + DAY, "4", MoveKind::Receipt, 50, "B")
        // line 2 received in picking 50 without a notice of its own: not accurate
        .moved(2, FEB + DAY, "3", MoveKind::Receipt, 50, "")
        // picking 60 has no notice: its receipts are no group
        .moved(2, FEB + DAY, "7", MoveKind::Receipt, 60, "")
        // announced in picking 70, never received; a notice without a picking
        .asn(2, MAR, 70, "", "2")
        .asn(2, MAR, 0, "", "2");
    let out = w.run(&opts());
    // picking 50's first notice is in January: all its groups count there
    let c = row(&out, 7, 0, jan()).counts;
    assert_eq!((c.asn_groups, c.asn_accurate), (3, 1));
    let c = row(&out, 7, 0, jan() + 2).counts;
    assert_eq!((c.asn_groups, c.asn_accurate), (2, 0));
    assert_eq!(out.stats.pickings, 2);
    // a 20 % tolerance makes lot B accurate (4 within 5 ± 1)
    let mut o = opts();
    o.qty_tolerance = d("20");
    let c = row(&w.run(&o), 7, 0, jan()).counts;
    assert_eq!(c.asn_accurate, 2);
    // a return in the picking changes nothing
    let w2 = World::default()
        .line(L::default())
        .asn(1, FEB, 50, "", "5")
        .moved(1, FEB + DAY, "5", MoveKind::Receipt, 50, "")
        .moved(1, FEB + DAY, "5", MoveKind::Return, 50, "");
    let c = row(&w2.run(&opts()), 7, 0, jan() + 1).counts;
    assert_eq!((c.asn_groups, c.asn_accurate), (1, 1));
}

// ------------------------------------------------------------ bills

#[test]
fn price_accuracy_and_first_pass() {
    let w = World::default()
        .line(L {
            price: "10",
            contract: Some("9"),
            ..L::default()
        })
        .line(L {
            id: 2,
            price: "10",
            ..L::default()
        })
        // against the contract price 9
        .bill(1, FEB, "9", FirstPass::Pass)
        .bill(1, FEB, "10", FirstPass::Fail)
        // against the PO price 10
        .bill(2, FEB, "10.5", FirstPass::None)
        .bill(2, FEB, "10", FirstPass::Pass);
    let out = w.run(&opts());
    let r = row(&out, 7, 0, jan() + 1);
    let c = r.counts;
    assert_eq!(
        (
            c.bill_lines,
            c.bill_accurate,
            c.billed_over_po,
            c.po_over_contract
        ),
        (4, 2, 1, 2)
    );
    assert_eq!((c.match_lines, c.match_first_pass), (3, 2));
    assert_eq!(r.rates[5], Some(50.0));
    assert_eq!(r.rates[6], Some(200.0 / 3.0));
    let mut o = opts();
    o.price_tolerance = d("5");
    let c = row(&w.run(&o), 7, 0, jan() + 1).counts;
    // 10 vs 9 is 11 % off, 10.5 vs 10 is 5 %: accurate, not over; PO 10 vs contract 9 still over
    assert_eq!(
        (c.bill_accurate, c.billed_over_po, c.po_over_contract),
        (3, 0, 2)
    );
}

// ------------------------------------------------------------ scores

#[test]
fn month_score_leaves_out_components_without_data() {
    let w = Weights::default();
    let all = [
        Some(100.0),
        Some(100.0),
        Some(50.0),
        None,
        None,
        None,
        Some(100.0),
        Some(100.0),
    ];
    // (30·100 + 15·100 + 10·50 + 5·100 + 5·100) / 65
    assert_eq!(month_score(&all, &w), Some(6000.0 / 65.0));
    assert_eq!(month_score(&[None; 8], &w), None);
    let only_asn = Weights([0.0, 0.0, 0.0, 100.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(month_score(&all, &only_asn), None);
}

#[test]
fn decayed_score_and_standing() {
    let s = Scoring::default();
    let scores = [Some(100.0), None, Some(50.0)];
    let due = [3, 0, 3];
    let out = series(&scores, &due, &s);
    assert_eq!(out[0], (Some(100.0), Standing::NotRated)); // 3 due lines < 5
    assert_eq!(out[1], (Some(100.0), Standing::NotRated));
    // (50 + 0.49·100) / 1.49
    let want = (50.0 + 0.7 * 0.7 * 100.0) / (1.0 + 0.7 * 0.7);
    assert_eq!(out[2], (Some(want), Standing::Poor));
    let s = Scoring {
        window: 2,
        ..Scoring::default()
    };
    let out = series(&scores, &due, &s);
    assert_eq!(out[2], (Some(50.0), Standing::NotRated));
    let s = Scoring {
        min_lines: 0,
        ..Scoring::default()
    };
    assert_eq!(
        series(&[Some(90.0), Some(80.0), Some(64.9)], &[0, 0, 0], &s).len(),
        3
    );
    assert_eq!(
        super::score::standing(Some(90.0), 0, &s),
        Standing::Excellent
    );
    assert_eq!(super::score::standing(Some(80.0), 0, &s), Standing::Good);
    assert_eq!(super::score::standing(Some(65.0), 0, &s), Standing::Poor);
    assert_eq!(
        super::score::standing(Some(64.9), 0, &s),
        Standing::VeryPoor
    );
    assert_eq!(super::score::standing(None, 10, &s), Standing::NotRated);
}

#[test]
fn months_between_get_a_score_from_the_window() {
    let mut w = World::default();
    for i in 0..5 {
        w = w
            .line(L {
                id: i + 1,
                ..L::default()
            })
            .receipt(i + 1, JAN + 9 * DAY, "10");
    }
    let w = w.line(L {
        id: 9,
        promised: MAR + 10 * DAY,
        ..L::default()
    });
    let out = w.run(&opts());
    let months: Vec<String> = out.rows.iter().map(|r| month_label(r.month)).collect();
    assert_eq!(months, ["2024-01", "2024-02", "2024-03"]);
    let jan_row = &out.rows[0];
    assert_eq!(jan_row.month_score, Some(100.0));
    assert_eq!(jan_row.standing, Standing::Excellent);
    let feb = &out.rows[1];
    assert_eq!(feb.counts, Counters::default());
    assert_eq!((feb.month_score, feb.score), (None, Some(100.0)));
    assert_eq!(feb.standing, Standing::Excellent);
    let mar = &out.rows[2];
    // March: one due line, nothing received: otif 0, fill 0, backorders 100 → 5/50
    assert_eq!(mar.month_score, Some(500.0 / 50.0));
    let want = (10.0 + 0.49 * 100.0) / 1.49;
    assert_eq!(mar.score, Some(want));
    assert_eq!(mar.standing, Standing::VeryPoor);
}

#[test]
fn rows_per_category_and_vendor_order() {
    let w = World::default()
        .line(L {
            id: 1,
            vendor: 9,
            category: 3,
            ..L::default()
        })
        .line(L {
            id: 2,
            vendor: 9,
            category: 0,
            ..L::default()
        })
        .line(L {
            id: 3,
            vendor: 4,
            category: 3,
            promised: FEB + DAY,
            ..L::default()
        });
    let keys = |o: &Options| -> Vec<(i64, i64, i32)> {
        w.run(o)
            .rows
            .iter()
            .map(|r| (r.vendor, r.category, r.month))
            .collect()
    };
    assert_eq!(keys(&opts()), [(4, 0, jan() + 1), (9, 0, jan())]);
    let mut o = opts();
    o.by_category = true;
    assert_eq!(
        keys(&o),
        [
            (4, 0, jan() + 1),
            (4, 3, jan() + 1),
            (9, 0, jan()),
            (9, 3, jan())
        ]
    );
    let out = w.run(&o);
    assert_eq!(row(&out, 9, 0, jan()).counts.lines_due, 2);
    assert_eq!(row(&out, 9, 3, jan()).counts.lines_due, 1);
}

// ------------------------------------------------------------ refusals

#[test]
fn bad_input_is_refused_with_field_row_and_rule() {
    let base = || {
        World::default()
            .line(L::default())
            .line(L {
                id: 2,
                ..L::default()
            })
            .receipt(1, JAN, "1")
    };
    let err = |w: World, o: &Options| scorecard(&w.input, o).unwrap_err();
    let e = err(base().receipt(3, JAN, "1"), &opts());
    assert_eq!(
        (e.location(), e.rule()),
        (
            Some(&Location::row("receipts.line", 1)),
            Some("unknown_line")
        )
    );
    let e = err(
        base().line(L {
            id: 2,
            ..L::default()
        }),
        &opts(),
    );
    assert_eq!(
        (e.location(), e.rule()),
        (Some(&Location::row("lines.id", 2)), Some("duplicate_id"))
    );
    let e = err(base().receipt(1, JAN, "-1"), &opts());
    assert_eq!(
        (e.location(), e.rule()),
        (Some(&Location::row("receipts.qty", 1)), Some("negative"))
    );
    let e = err(base().receipt(1, JAN, "0"), &opts());
    assert_eq!(e.rule(), Some("not_positive"));
    let e = err(
        base().line(L {
            id: 3,
            vendor: 0,
            ..L::default()
        }),
        &opts(),
    );
    assert_eq!(
        (e.location(), e.rule()),
        (
            Some(&Location::row("lines.vendor", 2)),
            Some("not_positive")
        )
    );
    let e = err(base().bill(2, JAN, "-0.01", FirstPass::None), &opts());
    assert_eq!(e.location(), Some(&Location::row("bills.price", 0)));
    let e = err(base().ack(1, -5, 0, AckStatus::Accepted), &opts());
    assert_eq!(
        (e.location(), e.rule()),
        (Some(&Location::row("acks.at", 0)), Some("bad_time"))
    );
    let mut o = opts();
    o.weights = Weights([30.0, 15.0, 10.0, 10.0, 15.0, 10.0, 5.0, 4.0]);
    assert_eq!(err(base(), &o).rule(), Some("bad_weights"));
    let mut o = opts();
    o.decay = 0.0;
    let e = err(base(), &o);
    assert_eq!(
        (e.location(), e.rule()),
        (Some(&Location::field("options.decay")), Some("bad_option"))
    );
    let mut o = opts();
    o.thresholds = [80.0, 90.0, 65.0];
    assert_eq!(
        err(base(), &o).location(),
        Some(&Location::field("options.thresholds"))
    );
}

#[test]
fn weights_by_name() {
    let w = Weights::from_pairs(&[("otif", 50.0), ("returns", 50.0)]).unwrap();
    assert_eq!(w.0, [50.0, 0.0, 0.0, 0.0, 0.0, 0.0, 50.0, 0.0]);
    for bad in [
        vec![("otif", 50.0)],
        vec![("otif", 50.0), ("speed", 50.0)],
        vec![("otif", 150.0), ("returns", -50.0)],
        vec![("otif", 50.0), ("otif", 50.0)],
        vec![("otif", f64::NAN)],
    ] {
        let e = Weights::from_pairs(&bad).unwrap_err();
        assert_eq!(
            (e.rule(), e.location()),
            (
                Some("bad_weights"),
                Some(&Location::field("options.weights"))
            )
        );
    }
    assert!(Weights::from_pairs(&[("otif", 100.0 - 1e-7)]).is_ok());
}

// ------------------------------------------------------------ machinery

#[test]
fn events_are_grouped_per_line_in_row_order() {
    let rows = [2, 0, 2, 1, 0, 2];
    let g = Grouped::build(&rows, 4, |i| i != 4);
    assert_eq!(g.of(0), [1]);
    assert_eq!(g.of(1), [3]);
    assert_eq!(g.of(2), [0, 2, 5]);
    assert!(g.of(3).is_empty());
    assert_eq!(g.len(), 5);
}

#[test]
fn lots_are_interned_across_tables() {
    let mut lots = Lots::default();
    assert_eq!(lots.ids(&["", "A", "B", "A", ""]), [0, 1, 2, 1, 0]);
    assert_eq!(lots.len(), 2);
}

#[test]
fn large_batches_agree_with_small_ones() {
    // the same lines split across threads give the same rows as one by one
    let mut w = World::default();
    for i in 0..20_000i64 {
        let vendor = 1 + i % 37;
        let promised = JAN + (i % 80) * DAY;
        w = w.line(L {
            id: i + 1,
            vendor,
            category: i % 3,
            sent: JAN + (i % 50) * HOUR,
            promised,
            ..L::default()
        });
        if i % 5 != 0 {
            let q = if i % 7 == 0 { "6" } else { "10" };
            w = w.receipt(i + 1, promised - (i % 4) * DAY, q);
        }
        if i % 3 == 0 {
            w = w.ack(i + 1, JAN + (i % 70) * HOUR, 0, AckStatus::Accepted);
        }
    }
    let mut o = opts();
    o.by_category = true;
    let out = w.run(&o);
    assert_eq!(out.stats.lines, 20_000);
    let due: u64 = out
        .rows
        .iter()
        .filter(|r| r.category == 0)
        .map(|r| r.counts.lines_due)
        .sum();
    let by_cat: u64 = out
        .rows
        .iter()
        .filter(|r| r.category != 0)
        .map(|r| r.counts.lines_due)
        .sum();
    assert!(due > 0 && by_cat < due);
    // vendor by vendor, the same rows
    for v in [1, 18, 37] {
        let mut single = World::default();
        let l = &w.input.lines;
        for i in 0..l.len() {
            if l.vendor[i] == v {
                single.input.lines.id.push(l.id[i]);
                single.input.lines.vendor.push(v);
                single.input.lines.category.push(l.category[i]);
                single.input.lines.ordered_at.push(l.ordered_at[i]);
                single.input.lines.sent_at.push(l.sent_at[i]);
                single.input.lines.promised_at.push(l.promised_at[i]);
                single.input.lines.qty.push(l.qty[i]);
                single.input.lines.price.push(l.price[i]);
                single.input.lines.contract_price.push(None);
                single.input.lines.cancelled.push(false);
            }
        }
        let ids: std::collections::HashSet<i64> = single.input.lines.id.iter().copied().collect();
        let r = &w.input.receipts;
        for e in 0..r.line.len() {
            if ids.contains(&r.line[e]) {
                single = single.moved(r.line[e], r.at[e], &r.qty[e].to_string(), r.kind[e], 0, "");
            }
        }
        let a = &w.input.acks;
        for e in 0..a.line.len() {
            if ids.contains(&a.line[e]) {
                single = single.ack(a.line[e], a.at[e], a.promised_at[e], a.status[e]);
            }
        }
        let want: Vec<Row> = out.rows.iter().filter(|r| r.vendor == v).cloned().collect();
        assert_eq!(single.run(&o).rows, want);
    }
}
