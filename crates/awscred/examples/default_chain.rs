//! The paved path: the default chain, cached and refreshing, exactly as the AWS CLI resolves.
//!
//! `cargo run -p awscred --example default_chain` (set `AWS_EC2_METADATA_DISABLED=true` off EC2).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints"
)]

fn main() -> std::process::ExitCode {
    // Synchronous programs build a blocking provider (`awscred::blocking::load()` is the
    // shortcut); async ones call `awscred::builder()…build()` or `awscred::load()`.
    let result = awscred::builder()
        .build_blocking()
        .and_then(|p| p.credentials());
    match result {
        Ok(c) => {
            println!(
                "access key id {} from {}",
                c.access_key_id(),
                c.provider_name()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("no credentials: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
