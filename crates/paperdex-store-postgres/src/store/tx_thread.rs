//! A batch's transaction driven from a thread of its own.
//!
//! Sent from the writer's thread, every flush of buffered rows held the
//! writer until the server had applied it, and the server then waited for
//! the writer's next flush: a system-wide profile of a 100k-record ingest
//! showed the writer and the server backend each busy about a quarter of
//! the time and the two cores idle a third of it. Here the writer queues a
//! flush and goes on with the next records while this thread sends it.
//! Reads queue behind the flushes before them, so they see every write of
//! the batch, in the order it was made.
//!
//! The transaction is one connection's, so batches stay atomic: a failed
//! statement stops the thread, the writer learns of it at its next read or
//! at the end, and the transaction is rolled back.

use super::Tx;
use paperdex_store::{Result, StoreError};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

/// Work for the transaction's thread.
type Job = Box<dyn FnOnce(&mut Tx<'_>) -> Result<()> + Send>;

/// Jobs queued ahead of the thread: two flushes keep the server busy while
/// the writer fills a third; more would only hold more rows in memory.
const QUEUED_JOBS: usize = 2;

/// The writer's end: queues jobs for the transaction's thread.
pub(super) struct TxThread<'scope, 'conn> {
    jobs: Option<SyncSender<Job>>,
    failure: Arc<Mutex<Option<StoreError>>>,
    handle: Option<ScopedJoinHandle<'scope, Option<Tx<'conn>>>>,
}

impl<'scope, 'conn: 'scope> TxThread<'scope, 'conn> {
    /// Moves `tx` to a thread of `scope`, which runs the jobs sent to it in
    /// order until [`TxThread::finish`] or the first failure.
    pub(super) fn spawn<'env>(scope: &'scope Scope<'scope, 'env>, tx: Tx<'conn>) -> Self
    where
        'conn: 'env,
    {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUED_JOBS);
        let failure = Arc::new(Mutex::new(None));
        let failed = Arc::clone(&failure);
        let handle = scope.spawn(move || run(tx, queue, &failed));
        TxThread {
            jobs: Some(jobs),
            failure,
            handle: Some(handle),
        }
    }

    /// Queues `job` and returns at once. A job that fails stops the thread;
    /// its error comes back from the next [`TxThread::call`] or from
    /// [`TxThread::finish`].
    pub(super) fn send(
        &self,
        job: impl FnOnce(&mut Tx<'_>) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let jobs = self.jobs.as_ref().expect("jobs are sent before finish");
        jobs.send(Box::new(job)).map_err(|_| self.failure())
    }

    /// Runs `job` after every job queued before it and returns its result.
    pub(super) fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(move |tx| {
            // The writer waits for this answer, so it gets the real error;
            // the thread stops with a note for any later caller.
            let result = job(tx);
            let failed = result.is_err();
            let _ = reply.send(result);
            if failed {
                return Err(StoreError::Aborted(
                    "a read of the batch's transaction failed".to_string(),
                ));
            }
            Ok(())
        })?;
        answer.recv().map_err(|_| self.failure())?
    }

    /// Waits for every queued job; returns the transaction to commit, or
    /// the error that stopped the thread.
    pub(super) fn finish(mut self) -> Result<Tx<'conn>> {
        drop(self.jobs.take());
        let handle = self.handle.take().expect("finished once");
        match handle.join() {
            Ok(Some(tx)) => Ok(tx),
            Ok(None) => Err(self.failure()),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// The error that stopped the thread (once; later callers learn only
    /// that the transaction failed).
    fn failure(&self) -> StoreError {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| {
                StoreError::Aborted("the batch's transaction failed earlier".to_string())
            })
    }
}

impl Drop for TxThread<'_, '_> {
    fn drop(&mut self) {
        // Dropped without finish (the batch failed in the writer): close
        // the queue so the thread ends; the scope joins it, and the
        // transaction it drops rolls back.
        drop(self.jobs.take());
    }
}

/// The thread: runs jobs in order. After a failure it stops taking jobs
/// (senders then see a closed queue) and drops the transaction.
fn run<'conn>(
    mut tx: Tx<'conn>,
    queue: Receiver<Job>,
    failure: &Mutex<Option<StoreError>>,
) -> Option<Tx<'conn>> {
    for job in queue {
        if let Err(e) = job(&mut tx) {
            *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            return None;
        }
    }
    Some(tx)
}
