//! Proxies: used only when the client opts in, bypassed by NO_PROXY, absolute-form for http.

mod support;

use awscred_http::{HttpClient, HttpErrorKind, ProxySettings};
use awscred_types::FakeEnv;
use support::{closed_port, get, proxy, response, serve};

#[tokio::test]
async fn enabled_client_sends_http_requests_to_the_proxy_in_absolute_form() {
    let origin = serve(|_, _| Some(response(200, "direct"))).await;
    let proxy = proxy().await;
    let env = FakeEnv::new().with("HTTP_PROXY", format!("http://{}", proxy.addr));
    let client = HttpClient::builder()
        .proxy(ProxySettings::from_env(&env))
        .build()
        .unwrap();

    let response = get(&client, &origin.url("/path?q=1")).await.unwrap();
    assert_eq!(&response.body()[..], b"via proxy");
    assert_eq!(origin.requests(), 0);
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].line,
        format!("GET http://{}/path?q=1 HTTP/1.1", origin.addr)
    );
    assert_eq!(
        seen[0].header("host"),
        Some(origin.addr.to_string().as_str())
    );
    assert_eq!(seen[0].header("proxy-authorization"), None);
}

#[tokio::test]
async fn no_proxy_match_goes_direct() {
    let origin = serve(|_, _| Some(response(200, "direct"))).await;
    let proxy = proxy().await;
    for no_proxy in ["127.0.0.1", "localhost, 127.0.0.0/8", "*"] {
        let env = FakeEnv::new()
            .with("http_proxy", format!("http://{}", proxy.addr))
            .with("NO_PROXY", no_proxy);
        let client = HttpClient::builder()
            .proxy(ProxySettings::from_env(&env))
            .build()
            .unwrap();
        let response = get(&client, &origin.url("/")).await.unwrap();
        assert_eq!(&response.body()[..], b"direct", "NO_PROXY={no_proxy}");
    }
    // A bypass list that does not match still uses the proxy.
    let env = FakeEnv::new()
        .with("HTTP_PROXY", format!("http://{}", proxy.addr))
        .with("no_proxy", "example.com,10.0.0.0/8");
    let client = HttpClient::builder()
        .proxy(ProxySettings::from_env(&env))
        .build()
        .unwrap();
    assert_eq!(
        &get(&client, &origin.url("/")).await.unwrap().body()[..],
        b"via proxy"
    );
    assert_eq!(proxy.requests(), 1);
}

#[tokio::test]
async fn clients_that_did_not_opt_in_never_use_the_proxy() {
    let origin = serve(|_, _| Some(response(200, "direct"))).await;
    let proxy = proxy().await;
    // An IMDS-style client is built without `.proxy(..)`: it reads no proxy variable at all
    // (the crate reads the environment only through `ProxySettings::from_env`).
    let client = awscred_http::HttpClientBuilder::imds().build().unwrap();
    let response = get(&client, &origin.url("/latest/api/token"))
        .await
        .unwrap();
    assert_eq!(&response.body()[..], b"direct");
    assert_eq!(proxy.connections(), 0);

    // Opting in with an environment that names no proxy is the same as not opting in.
    let client = HttpClient::builder()
        .proxy(ProxySettings::from_env(&FakeEnv::new()))
        .build();
    assert_eq!(
        &get(&client.unwrap(), &origin.url("/"))
            .await
            .unwrap()
            .body()[..],
        b"direct"
    );
    assert_eq!(proxy.connections(), 0);
}

#[tokio::test]
async fn proxy_credentials_become_a_basic_proxy_authorization_header() {
    let origin = serve(|_, _| Some(response(200, "direct"))).await;
    let proxy = proxy().await;
    let settings = ProxySettings::new().http(format!("http://user:p%40ss@{}", proxy.addr));
    let client = HttpClient::builder().proxy(settings).build().unwrap();
    get(&client, &origin.url("/")).await.unwrap();
    // base64("user:p@ss")
    assert_eq!(
        proxy.seen()[0].header("proxy-authorization"),
        Some("Basic dXNlcjpwQHNz")
    );
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_connect_error_that_names_the_proxy_not_its_password() {
    let origin = serve(|_, _| Some(response(200, "direct"))).await;
    let dead = closed_port().await;
    let settings = ProxySettings::new().http(format!("http://user:SECRET@{dead}"));
    let client = HttpClient::builder().proxy(settings).build().unwrap();
    let err = get(&client, &origin.url("/x")).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::ConnectionRefused, "{err}");
    assert_eq!(err.url(), Some(origin.url("/x").as_str()));
    let shown = err.into_credentials_error().to_string();
    assert!(
        shown.contains(&format!("through the proxy at {dead}")),
        "{shown}"
    );
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[test]
fn unusable_proxy_urls_fail_the_build_naming_the_variable() {
    let env = FakeEnv::new().with("HTTPS_PROXY", "socks5://user:SECRET@127.0.0.1:1080");
    let err = HttpClient::builder()
        .proxy(ProxySettings::from_env(&env))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::InvalidConfiguration);
    assert_eq!(err.field("key"), Some("HTTPS_PROXY"));
    let cred = err.into_credentials_error();
    assert!(cred.is_invalid_configuration());
    assert!(!cred.to_string().contains("SECRET"), "{cred}");
}
