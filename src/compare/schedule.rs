//! How `compare` spends its threads and its time. The scenarios run in lanes: at most
//! `--threads` of them at once, each lane a thread pool with its share of the threads, so
//! that the lanes together never hold more than `--threads` working threads (the engine
//! solves inside the lane's pool rather than building its own). A lane takes the next
//! scenario when its last one ends, with a fair share of the time left to the deadline:
//! a scenario that is proven optimal early leaves its time to the ones after it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The solver threads of each lane when `threads` threads run `jobs` jobs: one lane per
/// job up to `threads` lanes, the threads spread evenly (the first lanes take the
/// remainder). The lanes' threads add up to `threads`; there is at least one lane.
pub fn lanes(threads: usize, jobs: usize) -> Vec<usize> {
    let threads = threads.max(1);
    let lanes = threads.min(jobs).max(1);
    (0..lanes)
        .map(|lane| threads / lanes + usize::from(lane < threads % lanes))
        .collect()
}

/// The time limit of a job that starts with `left` jobs not yet started (itself included)
/// on `lanes` lanes and `remaining` to the deadline: the lanes' time left, shared evenly
/// by the jobs left, and never past the deadline.
pub fn share(remaining: Duration, lanes: usize, left: usize) -> Duration {
    remaining.mul_f64((lanes as f64 / left.max(1) as f64).min(1.0))
}

/// Runs `solve(job, threads, time_limit)` for every job on the lanes of [`lanes`], each
/// lane inside a rayon pool of its `threads`, and returns the results in job order. The
/// jobs start in order; the time limit of each is its [`share`] of the time to
/// `deadline`. The calling thread drives the first lane and waits for the others.
pub fn run<J: Sync, T: Send>(
    jobs: &[J],
    threads: usize,
    deadline: Instant,
    solve: impl Fn(&J, usize, Duration) -> T + Sync,
) -> Vec<T> {
    let lanes = lanes(threads, jobs.len());
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<T>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let lane = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon thread pool");
        pool.install(|| loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(job) = jobs.get(i) else {
                break;
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            let limit = share(remaining, lanes.len(), jobs.len() - i);
            let result = solve(job, threads, limit);
            *results[i].lock().expect("no lane panics while holding a result") = Some(result);
        });
    };
    thread::scope(|scope| {
        for &threads in &lanes[1..] {
            scope.spawn(move || lane(threads));
        }
        lane(lanes[0]);
    });
    results
        .into_iter()
        .map(|r| r.into_inner().expect("no lane panicked").expect("every job ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_never_hold_more_threads_than_given() {
        for threads in 1..=20 {
            for jobs in 1..=9 {
                let l = lanes(threads, jobs);
                assert_eq!(l.iter().sum::<usize>(), threads, "{threads} threads, {jobs} jobs");
                assert_eq!(l.len(), threads.min(jobs));
                assert!(l.iter().all(|&t| t >= 1));
                assert!(l.windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1));
            }
        }
        assert_eq!(lanes(1, 7), [1]);
        assert_eq!(lanes(16, 7), [3, 3, 2, 2, 2, 2, 2]);
        assert_eq!(lanes(0, 0), [1]);
    }

    #[test]
    fn each_job_gets_its_share_of_the_lanes_time_left() {
        let ten = Duration::from_secs(10);
        // One lane, seven jobs: a seventh each at first; the last gets all that is left.
        assert_eq!(share(ten, 1, 7).as_millis(), 1428);
        assert_eq!(share(ten, 1, 1), ten);
        // As many lanes as jobs: each may use the whole time.
        assert_eq!(share(ten, 7, 7), ten);
        assert_eq!(share(ten, 2, 4), ten / 2);
    }

    #[test]
    fn one_thread_runs_every_job_on_one_pool_thread_in_order() {
        let deadline = Instant::now() + Duration::from_secs(7);
        let seen = Mutex::new(Vec::new());
        let out = run(&[10, 20, 30], 1, deadline, |&job, threads, limit| {
            assert_eq!((threads, rayon::current_num_threads()), (1, 1));
            seen.lock().unwrap().push((job, limit, thread::current().id()));
            job + 1
        });
        assert_eq!(out, [11, 21, 31]);
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [10, 20, 30]);
        assert!(seen.iter().all(|s| s.2 == seen[0].2), "one thread ran them all");
        // A job that ends early leaves its time to the next: the second job's limit is
        // half of what is left, more than a third of the whole.
        assert!(seen[0].1 <= Duration::from_secs(7) / 3);
        assert!(seen[1].1 > Duration::from_secs(3), "{:?}", seen[1].1);
    }

    #[test]
    fn several_lanes_return_results_in_job_order() {
        let deadline = Instant::now() + Duration::from_secs(1);
        let jobs: Vec<usize> = (0..9).collect();
        let threads_used = Mutex::new(Vec::new());
        let out = run(&jobs, 4, deadline, |&job, threads, _| {
            assert_eq!(rayon::current_num_threads(), threads);
            threads_used.lock().unwrap().push(threads);
            job * 2
        });
        assert_eq!(out, (0..9).map(|j| j * 2).collect::<Vec<_>>());
        assert!(threads_used.into_inner().unwrap().iter().all(|&t| t == 1));
    }
}
