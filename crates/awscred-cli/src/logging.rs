//! Logging to standard error: `-v`/`-vv`, else `AWSCRED_LOG` (a `tracing-subscriber` target
//! filter), else warnings only.
//!
//! The filter is installed at start-up; `tracing-subscriber`'s formatter and its span registry
//! are built at the first event or span the filter lets through. Most runs log nothing, and
//! the registry's set-up was about a sixth of `export-credentials`' own start-up work
//! (`cargo xtask bench startup`).

use std::sync::OnceLock;

use awscred_types::SystemEnv;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};

pub(crate) fn init(verbose: u8) {
    let from_env =
        awscred_types::Env::get(&SystemEnv, "AWSCRED_LOG").and_then(|v| v.parse::<Targets>().ok());
    let filter = match (verbose, from_env) {
        (0, Some(targets)) => targets,
        (0, None) => Targets::new().with_default(LevelFilter::WARN),
        (1, _) => Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("awscred", LevelFilter::DEBUG),
        _ => Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("awscred", LevelFilter::TRACE),
    };
    let _ = tracing::subscriber::set_global_default(Lazy {
        filter,
        inner: OnceLock::new(),
    });
}

/// The filter now, the formatter when something passes it.
struct Lazy {
    filter: Targets,
    inner: OnceLock<Dispatch>,
}

impl Lazy {
    fn inner(&self) -> &Dispatch {
        self.inner.get_or_init(|| {
            use tracing_subscriber::layer::SubscriberExt as _;
            Dispatch::new(
                tracing_subscriber::registry().with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(std::io::stderr)
                        .with_target(true),
                ),
            )
        })
    }
}

impl Subscriber for Lazy {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        self.filter.would_enable(meta.target(), meta.level())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        let levels = self.filter.iter().map(|(_, level)| level);
        levels.chain(self.filter.default_level()).max()
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.inner().new_span(span)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.inner().record(span, values);
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.inner().record_follows_from(span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        self.inner().event(event);
    }

    fn enter(&self, span: &Id) {
        self.inner().enter(span);
    }

    fn exit(&self, span: &Id) {
        self.inner().exit(span);
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.inner().clone_span(id)
    }

    fn try_close(&self, id: Id) -> bool {
        self.inner().try_close(id)
    }
}
