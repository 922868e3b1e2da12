//! The module's own rayon pool.
//!
//! Odoo workers fork; rayon's global pool does not survive a fork (the child
//! inherits the pool object but none of its threads, and the first parallel
//! call hangs). This pool remembers the process id it was built in and is
//! rebuilt in a forked child. Its size comes from `MEDSYNC_THREADS`, else from
//! the CPUs this process may use (affinity and cgroup quota), so a worker
//! limited to one CPU does not start more threads than it can run.

use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::error::{Error, Result};

struct Owned {
    pid: u32,
    pool: Arc<rayon::ThreadPool>,
}

static POOL: OnceLock<Mutex<Option<Owned>>> = OnceLock::new();

/// Below this many items a batch runs inline on the caller's thread.
pub const INLINE_BELOW: usize = 4096;

/// Threads the pool has (or will have): `MEDSYNC_THREADS` when set to a
/// positive number, else the CPUs this process may use.
pub fn configured_threads() -> usize {
    std::env::var("MEDSYNC_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

fn pool() -> Result<Arc<rayon::ThreadPool>> {
    let cell = POOL.get_or_init(|| Mutex::new(None));
    // a poisoned lock only means another thread panicked while holding it;
    // the Option inside is still consistent
    let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if let Some(owned) = guard.as_ref() {
        if owned.pid == pid {
            return Ok(owned.pool.clone());
        }
    }
    // Built in another process (we are a forked child): its threads do not
    // exist here, so never touch or drop it; leak it and build our own.
    if let Some(stale) = guard.take() {
        std::mem::forget(stale);
    }
    let threads = configured_threads();
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("medsync-{i}"))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start {threads} worker threads: {e}")))?;
    let built = Arc::new(built);
    *guard = Some(Owned {
        pid,
        pool: built.clone(),
    });
    Ok(built)
}

/// Run `f` inside the module's pool (rayon calls in `f` use it).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(pool()?.install(f))
}

/// Number of threads of the live pool (builds it if needed).
pub fn current_threads() -> Result<usize> {
    Ok(pool()?.current_num_threads())
}

/// Map `f` over `items` in parallel chunks, keeping order. The error returned
/// is always the one of the lowest failing index, whatever the thread count.
pub fn map_ordered<T, U, F>(items: &[T], f: F) -> Result<Vec<U>>
where
    T: Sync,
    U: Send,
    F: Fn(usize, &T) -> Result<U> + Sync,
{
    let run_chunk = |offset: usize, chunk: &[T]| -> Result<Vec<U>> {
        chunk
            .iter()
            .enumerate()
            .map(|(i, item)| f(offset + i, item))
            .collect()
    };
    if items.len() < INLINE_BELOW {
        return run_chunk(0, items);
    }
    let chunk = (items.len() / (configured_threads() * 8)).max(1024);
    let parts: Vec<Result<Vec<U>>> = install(|| {
        items
            .par_chunks(chunk)
            .enumerate()
            .map(|(k, c)| run_chunk(k * chunk, c))
            .collect()
    })?;
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// The first row of `values` for which `bad` holds (in parallel on large
/// columns; the lowest such row whatever the thread count).
pub fn first_row<T: Sync>(values: &[T], bad: impl Fn(&T) -> bool + Sync + Send) -> Option<usize> {
    if values.len() < INLINE_BELOW {
        values.iter().position(bad)
    } else {
        values.par_iter().position_first(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    #[test]
    fn keeps_order_and_reports_the_first_error() {
        let items: Vec<u32> = (0..100_000).collect();
        let doubled = map_ordered(&items, |_, x| Ok(x * 2)).unwrap();
        assert_eq!(doubled[77_777], 155_554);
        let err = map_ordered(&items, |i, x| {
            if *x % 20_000 == 19_999 {
                Err(Error::input(Location::row("x", i), "bad"))
            } else {
                Ok(*x)
            }
        })
        .unwrap_err();
        assert_eq!(err, Error::input(Location::row("x", 19_999), "bad"));
    }

    #[test]
    fn pool_has_at_least_one_thread() {
        assert!(current_threads().unwrap() >= 1);
    }
}
