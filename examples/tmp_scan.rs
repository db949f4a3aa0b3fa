use std::time::{Duration, Instant};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = std::path::PathBuf::from(&args[1]);
    let state = std::path::PathBuf::from(&args[2]);
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let store = ccfail::state::StateStore::new(ccfail::paths::StatePaths::new(state), Duration::from_secs(1));
    let lock = store.lock().unwrap();
    let t = Instant::now();
    let r = ccfail::usage::refresh(&lock, &[root], &[], now).unwrap();
    eprintln!("{:?} {:?} {:?}", t.elapsed(), r.report.counts, r.snapshot.totals());
    eprintln!("kept {} new {} dup {}", r.report.responses_kept, r.report.responses_new, r.report.responses_duplicate);
}
