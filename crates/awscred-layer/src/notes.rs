//! What the layers inside a [`Trace`](crate::Trace) tell it about one call: warnings, and whether
//! the answer came from a cache.
//!
//! `Trace` opens a task-local scope around the call it wraps; the layers below it (`Cache`,
//! `StaticStability`, `ProviderRetry`) write into that scope with [`warn`] and [`served_from_cache`].
//! Outside any `Trace` these only log (warnings go to `tracing` at `WARN` level either way).

use std::cell::RefCell;
use std::time::SystemTime;

tokio::task_local! {
    static NOTES: RefCell<CallNotes>;
}

/// Notes collected during one traced call.
#[derive(Debug, Default)]
pub(crate) struct CallNotes {
    pub(crate) warnings: Vec<String>,
    pub(crate) from_cache: bool,
}

/// Records a warning: logs it through `tracing` and adds it to the enclosing `Trace` scope, if any.
/// The message must not contain secrets (callers pass masked key ids and error `Display`s only).
pub(crate) fn warn(message: String) {
    tracing::warn!(target: "awscred_layer", "{message}");
    let _outside_trace = NOTES.try_with(|notes| notes.borrow_mut().warnings.push(message));
}

/// Marks the current traced call as answered without calling the wrapped provider.
pub(crate) fn served_from_cache() {
    let _outside_trace = NOTES.try_with(|notes| notes.borrow_mut().from_cache = true);
}

/// Runs `fut` in a fresh notes scope and returns its output with the notes it collected.
/// Warnings also flow up to an enclosing scope, so an outer `Trace` sees them too.
pub(crate) async fn collect<F: Future>(fut: F) -> (F::Output, CallNotes) {
    let (out, cell) = NOTES
        .scope(RefCell::new(CallNotes::default()), async move {
            let out = fut.await;
            let notes = NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()));
            (out, notes)
        })
        .await;
    for w in &cell.warnings {
        let _outside_trace = NOTES.try_with(|notes| notes.borrow_mut().warnings.push(w.clone()));
    }
    (out, cell)
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA************MPLE`: the first and last four characters stay, every
/// other character becomes `*`. Ids of eight characters or fewer are masked completely.
pub fn mask_access_key_id(id: &str) -> String {
    let n = id.chars().count();
    if n <= 8 {
        return "*".repeat(n);
    }
    id.chars()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 4 { c } else { '*' })
        .collect()
}

/// RFC 3339 for a point in time (UTC), or the raw value when it is out of range.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok(),
        Err(e) => i64::try_from(e.duration().as_secs()).ok().map(|s| -s),
    };
    secs.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_cli() {
        assert_eq!(
            mask_access_key_id("AKIAIOSFODNN7EXAMPLE"),
            "AKIA************MPLE"
        );
        assert_eq!(mask_access_key_id("AKID"), "****");
        assert_eq!(mask_access_key_id("ÄÖÜßÄÖÜßx"), "ÄÖÜß*ÖÜßx");
        assert_eq!(mask_access_key_id(""), "");
    }

    #[test]
    fn rfc3339_formats_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400);
        assert_eq!(rfc3339(t), "1970-01-02T00:00:00Z");
    }
}
