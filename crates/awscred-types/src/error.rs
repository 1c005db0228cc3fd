use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Why credentials could not be provided.
///
/// The **variant is the contract**; the wording of `Display` may change between releases.
///
/// - [`NotLoaded`](Self::NotLoaded): nothing is configured for this provider here. A chain moves on
///   to the next provider and records the reason.
/// - [`InvalidConfiguration`](Self::InvalidConfiguration): the provider is configured, but the
///   configuration is wrong (a partial key pair, an unknown `source_profile`, a malformed file).
///   A chain stops: guessing past a broken configuration would hand out the wrong identity.
/// - [`ProviderError`](Self::ProviderError): the provider is configured and failed at run time
///   (STS said `AccessDenied`, a process exited non-zero, an endpoint answered 500). A chain stops.
/// - [`TimedOut`](Self::TimedOut): the provider did not answer within its deadline. A chain stops.
///
/// Every error carries the context a user needs to fix it (profile, key, file, URL, …) as
/// labelled fields, and an optional cause. **No variant ever holds secret material**: providers
/// must never put a secret key, a session token or a bearer token in a message, a field or a
/// cause. `Display` shows the message, the fields and the whole cause chain on one line, so
/// `eprintln!("{err}")` is enough (no helper like aws-config's `DisplayErrorContext` is needed).
#[derive(Clone)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Nothing is configured for this provider; a chain moves on.
    NotLoaded(ErrorContext),
    /// Configured, but the configuration is wrong; a chain stops.
    InvalidConfiguration(ErrorContext),
    /// Configured, and failed at run time; a chain stops.
    ProviderError(ErrorContext),
    /// No answer within the deadline; a chain stops.
    TimedOut(ErrorContext),
}

/// What went wrong and where: a message, labelled fields (`profile`, `key`, `file`, `url`, …) and
/// an optional cause. Never holds a secret.
#[derive(Clone)]
pub struct ErrorContext(Box<Inner>);

#[derive(Clone)]
struct Inner {
    message: Cow<'static, str>,
    fields: Vec<(&'static str, String)>,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

impl ErrorContext {
    fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Inner {
            message: message.into(),
            fields: Vec::new(),
            source: None,
        }))
    }
}

impl CredentialsError {
    /// Nothing is configured for this provider (the chain moves on).
    pub fn not_loaded(message: impl Into<Cow<'static, str>>) -> Self {
        Self::NotLoaded(ErrorContext::new(message))
    }

    /// The configuration is wrong (the chain stops).
    pub fn invalid_configuration(message: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidConfiguration(ErrorContext::new(message))
    }

    /// A run-time failure (the chain stops).
    pub fn provider_error(message: impl Into<Cow<'static, str>>) -> Self {
        Self::ProviderError(ErrorContext::new(message))
    }

    /// No answer within the deadline (the chain stops).
    pub fn timed_out(message: impl Into<Cow<'static, str>>) -> Self {
        Self::TimedOut(ErrorContext::new(message))
    }

    /// Adds a labelled field (`"profile"`, `"key"`, `"file"`, `"url"`, …). Never pass a secret.
    /// A field already present with the same label is replaced.
    pub fn with(mut self, label: &'static str, value: impl fmt::Display) -> Self {
        let fields = &mut self.context_mut().0.fields;
        let value = value.to_string();
        match fields.iter_mut().find(|(l, _)| *l == label) {
            Some(slot) => slot.1 = value,
            None => fields.push((label, value)),
        }
        self
    }

    /// Sets the underlying cause. Its `Display` (and its own causes) must not contain secrets.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.context_mut().0.source = Some(Arc::new(source));
        self
    }

    /// Replaces the message, keeping fields and cause.
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.context_mut().0.message = message.into();
        self
    }

    /// The variant's name (`"NotLoaded"`, `"InvalidConfiguration"`, `"ProviderError"`,
    /// `"TimedOut"`), for logs, counts and test expectations.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::NotLoaded(_) => "NotLoaded",
            Self::InvalidConfiguration(_) => "InvalidConfiguration",
            Self::ProviderError(_) => "ProviderError",
            Self::TimedOut(_) => "TimedOut",
        }
    }

    /// `true` for [`NotLoaded`](Self::NotLoaded): a chain moves on to its next provider.
    pub fn is_not_loaded(&self) -> bool {
        matches!(self, Self::NotLoaded(_))
    }

    /// `true` for [`InvalidConfiguration`](Self::InvalidConfiguration).
    pub fn is_invalid_configuration(&self) -> bool {
        matches!(self, Self::InvalidConfiguration(_))
    }

    /// `true` for [`ProviderError`](Self::ProviderError).
    pub fn is_provider_error(&self) -> bool {
        matches!(self, Self::ProviderError(_))
    }

    /// `true` for [`TimedOut`](Self::TimedOut).
    pub fn is_timed_out(&self) -> bool {
        matches!(self, Self::TimedOut(_))
    }

    /// The message, without fields or cause.
    pub fn message(&self) -> &str {
        &self.context().0.message
    }

    /// The value of a labelled field, if present.
    pub fn field(&self, label: &str) -> Option<&str> {
        let fields = &self.context().0.fields;
        fields
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.as_str())
    }

    /// All labelled fields, in the order they were added.
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.context()
            .0
            .fields
            .iter()
            .map(|(l, v)| (*l, v.as_str()))
    }

    /// The context (message, fields, cause) of this error.
    pub fn context(&self) -> &ErrorContext {
        match self {
            Self::NotLoaded(c)
            | Self::InvalidConfiguration(c)
            | Self::ProviderError(c)
            | Self::TimedOut(c) => c,
        }
    }

    fn context_mut(&mut self) -> &mut ErrorContext {
        match self {
            Self::NotLoaded(c)
            | Self::InvalidConfiguration(c)
            | Self::ProviderError(c)
            | Self::TimedOut(c) => c,
        }
    }

    /// The context, to rebuild the error as another variant
    /// (`CredentialsError::ProviderError(err.into_context())`).
    pub fn into_context(self) -> ErrorContext {
        match self {
            Self::NotLoaded(c)
            | Self::InvalidConfiguration(c)
            | Self::ProviderError(c)
            | Self::TimedOut(c) => c,
        }
    }
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.0;
        f.write_str(&inner.message)?;
        if !inner.fields.is_empty() {
            f.write_str(" (")?;
            for (i, (label, value)) in inner.fields.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{label}: {value}")?;
            }
            f.write_str(")")?;
        }
        let mut source: Option<&(dyn StdError + 'static)> = match &inner.source {
            Some(s) => Some(&**s),
            None => None,
        };
        while let Some(err) = source {
            write!(f, ": {err}")?;
            source = err.source();
        }
        Ok(())
    }
}

impl fmt::Debug for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.0;
        let mut d = f.debug_struct("ErrorContext");
        d.field("message", &inner.message);
        for (label, value) in &inner.fields {
            d.field(label, value);
        }
        if let Some(source) = &inner.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.context(), f)
    }
}

impl fmt::Debug for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(self.kind_name())
            .field(self.context())
            .finish()
    }
}

impl StdError for CredentialsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The cause chain is already part of `Display`; it is exposed here too so that callers
        // who walk `source()` (anyhow, eyre) see the original error types.
        match &self.context().0.source {
            Some(s) => Some(&**s),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug)]
    struct Outer(io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("reading the token file")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn display_shows_message_fields_and_whole_cause_chain_on_one_line() {
        let err = CredentialsError::invalid_configuration("could not load web identity token")
            .with("profile", "prod")
            .with("file", "/tmp/token")
            .with_source(Outer(io::Error::new(
                io::ErrorKind::NotFound,
                "no such file",
            )));
        let shown = err.to_string();
        assert_eq!(
            shown,
            "could not load web identity token (profile: prod, file: /tmp/token): \
             reading the token file: no such file"
        );
        assert!(!shown.contains('\n'));
        assert!(err.is_invalid_configuration());
        assert_eq!(err.field("profile"), Some("prod"));
        assert!(format!("{err:?}").starts_with("InvalidConfiguration("));
    }

    #[test]
    fn with_replaces_a_field_and_into_kind_keeps_context() {
        let err = CredentialsError::not_loaded("no keys")
            .with("profile", "a")
            .with("profile", "b");
        assert_eq!(err.fields().count(), 1);
        assert_eq!(err.field("profile"), Some("b"));
        assert!(err.is_not_loaded());
        let stopped = CredentialsError::ProviderError(err.clone().into_context());
        assert!(!stopped.is_not_loaded());
        assert_eq!(stopped.to_string(), err.to_string());
    }

    #[test]
    fn error_is_small_and_shareable() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<CredentialsError>();
        assert!(std::mem::size_of::<CredentialsError>() <= 16);
    }
}
