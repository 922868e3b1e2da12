//! The thin binding: extract inputs into owned Rust values, release the GIL,
//! run the engine in the module's pool, build the outputs, map errors.
//! Nothing here decides anything an engine should decide.

mod billing;
mod consumption;
mod convert;
mod copy;
mod dedupe;
mod documents;
mod errors;
mod matching;
mod numeric;
mod reconcile;
mod scorecard;
mod screening;
mod table;
mod x12;

use pyo3::prelude::*;

/// The engines' own allocations (never Python's) come from mimalloc: a
/// batch allocates and frees hundreds of megabytes, and the system allocator
/// hands that memory back to the kernel after every call, so the next call
/// pays a page fault per 4 KiB again; mimalloc keeps freed pages for reuse.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// MedSync's engines, in Rust: Odoo-exact decimal rounding, three-way
/// matching, inventory reconciliation, vendor duplicate detection,
/// exclusion screening, supplier scorecards, billing batches, cabinet
/// consumption and document validation, in bulk
/// over columns.
#[pymodule]
#[pyo3(name = "medsync_core")]
fn medsync_core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(py, m)?;
    m.add_function(wrap_pyfunction!(thread_count, m)?)?;
    numeric::register(m)?;
    billing::register(m)?;
    consumption::register(m)?;
    dedupe::register(m)?;
    documents::register(m)?;
    matching::register(m)?;
    reconcile::register(m)?;
    screening::register(m)?;
    scorecard::register(m)?;
    copy::register(m)?;
    x12::register(m)?;
    Ok(())
}

/// Threads of the module's pool in this process (`MEDSYNC_THREADS`, else the
/// CPUs the process may use).
#[pyfunction]
fn thread_count() -> PyResult<usize> {
    crate::pool::current_threads().map_err(|e| Python::attach(|py| errors::to_py(py, e)))
}
