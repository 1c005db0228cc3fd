//! Assume-role profiles for awscred.
//!
//! This crate provides, so far:
//! - [`plan`]: the pure planner (no I/O) that turns the selected profile of a
//!   [`ProfileSet`](awscred_profile::ProfileSet) into a [`ProfileChain`]: one base provider
//!   ([`BaseProvider`]: static keys, a `credential_source`, web identity, SSO, or
//!   `credential_process`) and the role hops to assume from it, innermost first.
//!
//! The rules are botocore's (`AssumeRoleProvider`), with the cross-SDK vectors winning where they
//! differ (28/28 in `tests/conformance.rs`): `role_arn` needs exactly one of `source_profile` and
//! `credential_source`; chains of any depth; the first source profile with static keys ends the
//! chain; a profile may be its own `source_profile` only when it has static keys; any other loop
//! is an error listing the visited profiles; `role_arn` + `web_identity_token_file` is a web
//! identity base; `credential_source` is `Environment`, `Ec2InstanceMetadata` or `EcsContainer`;
//! `duration_seconds` must be 900–43,200.
//!
//! The executor (STS calls, MFA, the AWS CLI's `~/.aws/cli/cache`) is the next step of this
//! crate; see the open issue.
//!
//! # Where this crate sits
//!
//! A provider crate above `awscred-profile`; the default chain runs it third.
//!
//! # Compiler support
//!
//! The minimum supported Rust version is the workspace `rust-version` (see `docs/MSRV.md`).

mod plan;

pub use plan::{BaseProvider, CredentialSource, ProfileChain, RoleHop, plan};
