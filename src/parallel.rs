//! Bounded fan-out of per-session work on std threads, with every decision and every
//! record on the caller's thread.
//!
//! Stopping or starting a client waits seconds on that client alone, so a swap of twenty
//! sessions spends most of its time waiting. [`run`] keeps at most `bound` workers busy;
//! the caller's `on` hears [`Event::Begin`] before a worker is given an item (a journal
//! records "begun" there) and [`Event::Done`] with its result (the journal records the
//! result, the run saves the state, a fault point may end the process). Workers only
//! touch their own pane; they never see the state. No async runtime: scoped threads.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;

/// What the caller is told, always on its own thread.
pub enum Event<R> {
    /// Item `index` is about to be handed to a worker.
    Begin(usize),
    /// Item `index` is finished: its result and how long the worker took.
    Done(usize, R, Duration),
}

/// Runs `work` on every item, at most `bound` at once (at least one). `on` is called for
/// each event; its first error stops new items from starting, lets the running ones
/// finish (each still reported) and is returned. A worker that panics panics the caller.
pub fn run<T, R, W, F>(items: &[T], bound: usize, work: W, mut on: F) -> Result<()>
where
    T: Sync,
    R: Send,
    W: Fn(usize, &T) -> R + Sync,
    F: FnMut(Event<R>) -> Result<()>,
{
    let bound = bound.max(1);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, std::thread::Result<R>, Duration)>();
        let mut next = 0;
        let mut running = 0;
        let mut failure: Option<anyhow::Error> = None;
        loop {
            while failure.is_none() && running < bound && next < items.len() {
                if let Err(err) = on(Event::Begin(next)) {
                    failure = Some(err);
                    break;
                }
                let (tx, work, item, index) = (tx.clone(), &work, &items[next], next);
                scope.spawn(move || {
                    let started = Instant::now();
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(index, item)));
                    let _ = tx.send((index, result, started.elapsed()));
                });
                next += 1;
                running += 1;
            }
            if running == 0 {
                break;
            }
            let (index, result, took) = rx.recv().expect("a worker always reports before it ends");
            running -= 1;
            let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            if let Err(err) = on(Event::Done(index, result, took))
                && failure.is_none()
            {
                failure = Some(err);
            }
        }
        failure.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_the_bound_at_once_and_every_item_reported() {
        let items: Vec<u64> = (0..12).collect();
        let now = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let mut begun = Vec::new();
        let mut done = Vec::new();
        run(
            &items,
            3,
            |_, item| {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(running, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5 + item % 3));
                now.fetch_sub(1, Ordering::SeqCst);
                item * 2
            },
            |event| {
                match event {
                    Event::Begin(i) => begun.push(i),
                    Event::Done(i, r, _) => done.push((i, r)),
                }
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(begun, (0..12).collect::<Vec<_>>(), "begun in order");
        done.sort_unstable();
        assert_eq!(done, items.iter().map(|&i| (i as usize, i * 2)).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3, "peak {}", peak.load(Ordering::SeqCst));
        assert!(peak.load(Ordering::SeqCst) >= 2, "it did run in parallel");
    }

    #[test]
    fn a_failing_record_stops_new_items_but_reports_the_running_ones() {
        let items: Vec<u32> = (0..10).collect();
        let mut done = 0;
        let err = run(
            &items,
            2,
            |_, item| *item,
            |event| match event {
                Event::Begin(_) => Ok(()),
                Event::Done(..) => {
                    done += 1;
                    anyhow::bail!("the disk is full")
                }
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "the disk is full");
        assert_eq!(done, 2, "the two running ones were reported, no new one started");
    }

    #[test]
    fn a_bound_of_zero_still_runs_one_at_a_time() {
        let mut count = 0;
        run(
            &[1, 2, 3],
            0,
            |_, x| *x,
            |event| {
                if let Event::Done(..) = event {
                    count += 1;
                }
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(count, 3);
    }
}
