//! The run: check the tables, index the master data, read each distinct
//! text and product code once, find the duplicates, map the events in
//! parallel, group the mapped ones into moves, count.

use rayon::prelude::*;

use super::check::check;
use super::codes::CodeTable;
use super::columns::Columns;
use super::duplicates::earlier;
use super::group::group;
use super::input::{Input, Options};
use super::output::{EventOut, Output, Stats};
use super::resolve::Ctx;
use crate::error::Result;
use crate::pool;
use crate::reconcile::barcode;
use crate::reconcile::index::Index;

/// Validate, map and group a batch of cabinet events. See the module
/// documentation.
pub fn consumption(input: &Input, options: &Options) -> Result<Output> {
    pool::install(|| run_in_pool(input, options))?
}

fn run_in_pool(input: &Input, options: &Options) -> Result<Output> {
    check(input, options)?;
    let ix = Index::build(
        &input.locations,
        &input.codes,
        &input.products,
        &input.packs,
        &input.lots,
    )?;
    let reference_year = options
        .reference_year
        .unwrap_or_else(|| barcode::year_of(options.today));
    let cols = Columns::read(input, &ix);
    let codes = CodeTable::build(input, &cols, &ix, reference_year);
    let earlier = earlier(&input.events, &cols);
    let r = &input.recalls;
    let ctx = Ctx {
        input,
        ix: &ix,
        cols: &cols,
        codes: &codes,
        earlier: &earlier,
        recalls: r
            .product_id
            .iter()
            .zip(&r.lot)
            .map(|(p, l)| (*p, l.trim()))
            .collect(),
    };
    let mut events: Vec<EventOut> = (0..input.events.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| ctx.resolve(i))
        .collect();
    let groups = group(input, &cols, &mut events, options.late_after)?;
    let stats = Stats::count(&events, &groups);
    Ok(Output {
        events,
        groups,
        stats,
    })
}
