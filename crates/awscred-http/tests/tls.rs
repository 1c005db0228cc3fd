//! TLS on loopback with a self-signed certificate: `AWS_CA_BUNDLE` replaces the default roots,
//! and https through a proxy uses a CONNECT tunnel.

mod support;

use std::sync::Arc;

use awscred_http::{CaBundle, HttpClient, HttpErrorKind, ProxySettings};
use awscred_types::{FakeEnv, MemFs};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use support::{get, proxy, read_request, response, serve_raw};
use tokio::io::AsyncWriteExt;
use tokio_rustls::TlsAcceptor;

/// A self-signed certificate for 127.0.0.1 and an https server presenting it. Returns the
/// server and the certificate as PEM.
async fn tls_server() -> (support::Server, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let pem = certified.cert.pem();
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let server = serve_raw(move |stream| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            while let Some(seen) = read_request(&mut tls).await {
                let body = format!("secure {}", seen.line);
                if tls.write_all(&response(200, &body)).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (server, pem)
}

#[tokio::test]
async fn ca_bundle_trusts_the_loopback_certificate_and_default_roots_do_not() {
    let (server, pem) = tls_server().await;
    let url = format!("https://{}/ok", server.addr);

    // Default (webpki) roots: the self-signed certificate is rejected.
    let client = HttpClient::builder().build().unwrap();
    let err = get(&client, &url).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Tls, "{err}");
    assert_eq!(err.url(), Some(url.as_str()));
    assert!(err.is_before_response());

    // AWS_CA_BUNDLE, read through the Env and Fs seams: trusted.
    let fs = MemFs::new().with_file("/certs/bundle.pem", pem);
    let env = FakeEnv::new().with("AWS_CA_BUNDLE", "/certs/bundle.pem");
    let bundle = CaBundle::from_config(&env, &fs, None).unwrap().unwrap();
    assert_eq!(bundle.len(), 1);
    let client = HttpClient::builder().ca_bundle(bundle).build().unwrap();
    let response = get(&client, &url).await.unwrap();
    assert_eq!(&response.body()[..], b"secure GET /ok HTTP/1.1");
}

#[tokio::test]
async fn ca_bundle_replaces_rather_than_extends_the_roots() {
    // A bundle with an unrelated certificate: the server's certificate is no longer trusted,
    // exactly as with botocore's `verify=<path>`.
    let (server, _pem) = tls_server().await;
    let other = rcgen::generate_simple_self_signed(vec!["other.invalid".to_owned()]).unwrap();
    let bundle = CaBundle::from_pem(other.cert.pem().as_bytes(), "other.pem").unwrap();
    let client = HttpClient::builder().ca_bundle(bundle).build().unwrap();
    let err = get(&client, &format!("https://{}/", server.addr))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Tls, "{err}");
    let shown = err.into_credentials_error().to_string();
    assert!(shown.contains("TLS handshake failed"), "{shown}");
}

#[tokio::test]
async fn https_through_a_proxy_uses_a_connect_tunnel() {
    let (server, pem) = tls_server().await;
    let proxy = proxy().await;
    let bundle = CaBundle::from_pem(pem.as_bytes(), "test bundle").unwrap();
    let env = FakeEnv::new().with("HTTPS_PROXY", format!("{}", proxy.addr));
    let client = HttpClient::builder()
        .proxy(ProxySettings::from_env(&env))
        .ca_bundle(bundle)
        .build()
        .unwrap();
    let response = get(&client, &format!("https://{}/tunnelled?x=1", server.addr))
        .await
        .unwrap();
    assert_eq!(&response.body()[..], b"secure GET /tunnelled?x=1 HTTP/1.1");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].line, format!("CONNECT {} HTTP/1.1", server.addr));
}
