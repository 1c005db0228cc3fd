//! A chain of your own: environment variables, then instance metadata, behind a cache layer.
//!
//! `cargo run -p awscred --example custom_chain`
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints"
)]

use awscred::providers::env::EnvProvider;
use awscred::providers::imds::ImdsProvider;
use awscred::{CacheLayer, ChainProvider, ProvideCredentials};
use tower::ServiceBuilder;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let chain = ChainProvider::first_try("env", EnvProvider::default()).or_else(
        "imds",
        ImdsProvider::builder(&awscred::Sources::default()).build(),
    );
    let provider = ServiceBuilder::new()
        .layer(CacheLayer::new())
        .service(chain);
    match provider.provide_credentials().await {
        Ok(c) => println!(
            "access key id {} from {}",
            c.access_key_id(),
            c.provider_name()
        ),
        Err(e) => eprintln!("no credentials:\n{e}"),
    }
}
