//! Test support: local websites on 127.0.0.1 with hit counters, and helpers
//! to run the crawl engine in-process.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use cira_crawler::checkpoint::format::ScanIdentity;
use cira_crawler::checkpoint::{DirStore, Store};
use cira_crawler::engine::{Engine, EngineConfig, RunOutcome};
use cira_crawler::guard::NetworkGuard;
use cira_crawler::state::CrawlState;
use cira_crds::CrawlSpec;
use cira_crds::progress::CrawlerProgress;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use url::Url;

/// What the site answers for one request.
pub enum Reply {
    Html(String),
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    Redirect(String),
    NotFound,
    /// Sends `chunk` every `every`, `times` times (slow drip).
    Drip {
        chunk: &'static [u8],
        every: Duration,
        times: usize,
    },
    /// Streams `total` bytes of HTML in 64 KiB chunks.
    Huge {
        total: usize,
    },
}

type Handler = dyn Fn(&str, &axum::http::HeaderMap) -> Reply + Send + Sync;

/// A website served by the test on 127.0.0.1 (or another loopback address).
pub struct Site {
    pub addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, u32>>>,
    /// TLS handshakes begun (by [`Site::start_tls`] sites).
    handshakes: Arc<std::sync::atomic::AtomicU32>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Site {
    pub async fn start(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Site {
        Self::start_on("127.0.0.1", handler).await
    }

    pub async fn start_on(
        ip: &str,
        handler: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> Site {
        Self::start_with_headers(ip, move |path, _| handler(path)).await
    }

    /// A site whose answers may depend on the request headers (cookies).
    pub async fn start_with_headers(
        ip: &str,
        handler: impl Fn(&str, &axum::http::HeaderMap) -> Reply + Send + Sync + 'static,
    ) -> Site {
        let listener = tokio::net::TcpListener::bind((ip, 0))
            .await
            .expect("bind test site");
        Self::serve(listener, handler, Arc::default())
    }

    /// A site that speaks TLS with `tls` and plain HTTP on the same port,
    /// told apart by the first byte a client sends (a TLS handshake starts
    /// with 0x16): `url` and `https_url` name the same site, so a page over
    /// HTTPS is in scope of a seed over HTTP.
    pub async fn start_tls(
        tls: Arc<rustls::ServerConfig>,
        handler: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> Site {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind test site");
        let handshakes = Arc::default();
        Self::serve(
            TlsOrPlain::new(
                listener,
                tokio_rustls::TlsAcceptor::from(tls),
                Arc::clone(&handshakes),
            ),
            move |path, _| handler(path),
            handshakes,
        )
    }

    fn serve<L>(
        listener: L,
        handler: impl Fn(&str, &axum::http::HeaderMap) -> Reply + Send + Sync + 'static,
        handshakes: Arc<std::sync::atomic::AtomicU32>,
    ) -> Site
    where
        L: axum::serve::Listener<Addr = SocketAddr>,
    {
        let addr = listener.local_addr().expect("local addr");
        let hits: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let h = Arc::clone(&hits);
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let handler = Arc::clone(&handler);
            let hits = Arc::clone(&h);
            async move {
                let path = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into());
                *hits.lock().unwrap().entry(path.clone()).or_insert(0) += 1;
                respond(handler(&path, req.headers()))
            }
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Site {
            addr,
            hits,
            handshakes,
            stop: Some(tx),
        }
    }

    /// TLS handshakes clients began, whether or not they finished them.
    pub fn tls_handshakes(&self) -> u32 {
        self.handshakes.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{}", self.addr, path)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ip(&self) -> IpAddr {
        self.addr.ip()
    }

    pub fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    pub fn all_hits(&self) -> HashMap<String, u32> {
        self.hits.lock().unwrap().clone()
    }

    /// Hits of page paths (not robots.txt or sitemap.xml).
    pub fn page_hits(&self) -> HashMap<String, u32> {
        self.all_hits()
            .into_iter()
            .filter(|(p, _)| p != "/robots.txt" && p != "/sitemap.xml")
            .collect()
    }

    pub fn total_page_hits(&self) -> u32 {
        self.page_hits().values().sum()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

type TlsIo = tokio_util::either::Either<
    tokio::net::TcpStream,
    tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
>;

/// A listener for [`Site::start_tls`]: connections are accepted, and their
/// TLS handshakes made, on tasks of their own, so a client that refuses the
/// certificate (as the crawler must) holds up no other connection. The
/// tasks end with the test's runtime.
struct TlsOrPlain {
    addr: SocketAddr,
    ready: tokio::sync::mpsc::Receiver<(TlsIo, SocketAddr)>,
}

impl TlsOrPlain {
    fn new(
        listener: tokio::net::TcpListener,
        acceptor: tokio_rustls::TlsAcceptor,
        handshakes: Arc<std::sync::atomic::AtomicU32>,
    ) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let (tx, ready) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            while let Ok((tcp, peer)) = listener.accept().await {
                let (tx, acceptor, handshakes) =
                    (tx.clone(), acceptor.clone(), Arc::clone(&handshakes));
                tokio::spawn(async move {
                    let mut first = [0u8; 1];
                    let io = match tcp.peek(&mut first).await {
                        Ok(1) if first[0] == 0x16 => {
                            handshakes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            match acceptor.accept(tcp).await {
                                Ok(tls) => tokio_util::either::Either::Right(tls),
                                // The client refused the certificate.
                                Err(_) => return,
                            }
                        }
                        Ok(_) => tokio_util::either::Either::Left(tcp),
                        Err(_) => return,
                    };
                    let _ = tx.send((io, peer)).await;
                });
            }
        });
        Self { addr, ready }
    }
}

impl axum::serve::Listener for TlsOrPlain {
    type Io = TlsIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended; no connection will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// Certificates made at test time: a CA, and server certificates it signs
/// or that sign themselves.
pub mod certs {
    use std::sync::Arc;

    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, date_time_ymd,
    };
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    pub struct Ca {
        issuer: CertifiedIssuer<'static, KeyPair>,
    }

    /// When a server certificate is valid.
    #[derive(Clone, Copy)]
    pub enum Validity {
        Now,
        Expired,
    }

    impl Ca {
        pub fn generate() -> Ca {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, "cira test CA");
            Ca {
                issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
            }
        }

        pub fn pem(&self) -> String {
            self.issuer.pem()
        }

        /// A server configuration with a certificate for `names` this CA
        /// signed.
        pub fn server(&self, names: &[&str], validity: Validity) -> Arc<rustls::ServerConfig> {
            let key = KeyPair::generate().unwrap();
            let cert = params(names, validity)
                .signed_by(&key, &*self.issuer)
                .unwrap();
            config(cert.der().clone(), &key)
        }
    }

    /// A server configuration with a self-signed certificate for `names`.
    pub fn self_signed(names: &[&str]) -> Arc<rustls::ServerConfig> {
        let key = KeyPair::generate().unwrap();
        let cert = params(names, Validity::Now).self_signed(&key).unwrap();
        config(cert.der().clone(), &key)
    }

    fn params(names: &[&str], validity: Validity) -> CertificateParams {
        let mut p = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
        if let Validity::Expired = validity {
            p.not_before = date_time_ymd(2020, 1, 1);
            p.not_after = date_time_ymd(2021, 1, 1);
        }
        p
    }

    fn config(cert: CertificateDer<'static>, key: &KeyPair) -> Arc<rustls::ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap(),
        )
    }
}

fn respond(reply: Reply) -> Response<Body> {
    let mut builder = Response::builder();
    let resp = match reply {
        Reply::Html(html) => builder
            .header("content-type", "text/html; charset=utf-8")
            .body(Body::from(html)),
        Reply::Raw {
            status,
            headers,
            body,
        } => {
            builder = builder.status(StatusCode::from_u16(status).unwrap());
            for (k, v) in headers {
                builder = builder.header(
                    HeaderName::from_static(k),
                    HeaderValue::from_str(&v).unwrap(),
                );
            }
            builder.body(Body::from(body))
        }
        Reply::Redirect(to) => builder
            .status(302)
            .header("location", to)
            .body(Body::empty()),
        Reply::NotFound => builder.status(404).body(Body::from("not found")),
        Reply::Drip {
            chunk,
            every,
            times,
        } => {
            let stream = futures::stream::unfold(0usize, move |n| async move {
                if n >= times {
                    return None;
                }
                tokio::time::sleep(every).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(chunk)), n + 1))
            });
            builder
                .header("content-type", "text/html")
                .body(Body::from_stream(stream))
        }
        Reply::Huge { total } => {
            let chunk = Bytes::from(
                "<p><a href=\"/deep-in-huge\">x</a> lorem ipsum </p>\n"
                    .repeat(64 * 1024 / 48)
                    .into_bytes(),
            );
            let stream = futures::stream::unfold(0usize, move |sent| {
                let chunk = chunk.clone();
                async move {
                    if sent >= total {
                        return None;
                    }
                    Some((Ok::<_, std::io::Error>(chunk.clone()), sent + chunk.len()))
                }
            });
            builder
                .header("content-type", "text/html")
                .body(Body::from_stream(stream))
        }
    };
    resp.unwrap()
}

/// A crawl spec for tests: unpaced, private networks refused.
pub fn spec() -> CrawlSpec {
    CrawlSpec {
        max_pages: 1000,
        max_depth: 20,
        concurrency: 4,
        request_timeout: "5s".into(),
        ..CrawlSpec::default()
    }
}

/// An engine config that allows exactly the given test servers through
/// the network guard (private networks stay refused otherwise).
pub fn config(seed: &str, crawl: CrawlSpec, allowed: &[IpAddr]) -> EngineConfig {
    let seed = Url::parse(seed).unwrap();
    let identity = ScanIdentity {
        namespace: "test".into(),
        name: "site".into(),
        uid: String::new(),
        scan_version: 1,
    };
    let mut cfg = EngineConfig::new(seed, "Acme".into(), identity, crawl).unwrap();
    cfg.requests_per_second = None;
    cfg.guard = NetworkGuard::new(false).with_allowed_addresses(allowed.iter().copied());
    cfg.fetch.backoff_base = Duration::from_millis(20);
    cfg.every_pages = 1000;
    cfg
}

/// Runs a crawl in-process to the end; returns the outcome and final state.
/// [`crawl`] that must complete; its final state.
pub async fn crawl_completed(cfg: EngineConfig, dir: &std::path::Path) -> CrawlState {
    let (outcome, state) = crawl(cfg, dir).await;
    assert!(
        matches!(outcome, Ok(RunOutcome::Completed { .. })),
        "{outcome:?}"
    );
    state.expect("a completed crawl leaves its state")
}

pub async fn crawl(
    cfg: EngineConfig,
    dir: &std::path::Path,
) -> (cira_crawler::Result<RunOutcome>, Option<CrawlState>) {
    let (tx, _rx) = watch::channel(CrawlerProgress::default());
    let identity = cfg.identity.clone();
    let engine = Engine::new(
        cfg,
        Store::Dir(DirStore::new(dir).unwrap()),
        tx,
        cira_crawler::report::dir_report_writer(dir.to_path_buf()),
    )
    .unwrap();
    let outcome = engine.run(CancellationToken::new()).await;
    let store = Store::Dir(DirStore::new(dir).unwrap());
    let state = store
        .load(&identity, cira_crawler::checkpoint::OnUnusable::Refuse)
        .await
        .unwrap()
        .map(|l| l.state);
    (outcome, state)
}

/// Polls `cond` until it holds or `timeout` passes.
pub async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The generated site: `n` pages in a tree (page i links to 2i+1 and 2i+2)
/// plus a link back home, a link to an out-of-scope host and a contact line.
pub fn tree_site(n: usize) -> impl Fn(&str) -> Reply + Send + Sync + 'static {
    move |path: &str| {
        if path == "/" {
            return Reply::Html(page_html(0, n));
        }
        if let Some(i) = path
            .strip_prefix("/page-")
            .and_then(|s| s.parse::<usize>().ok())
            && i < n
        {
            return Reply::Html(page_html(i, n));
        }
        Reply::NotFound
    }
}

pub fn page_path(i: usize) -> String {
    if i == 0 {
        "/".into()
    } else {
        format!("/page-{i}")
    }
}

fn page_html(i: usize, n: usize) -> String {
    let mut links = String::new();
    for c in [2 * i + 1, 2 * i + 2] {
        if c < n {
            links.push_str(&format!(
                "<li><a href=\"{}\">Page {c}</a></li>",
                page_path(c)
            ));
        }
    }
    format!(
        "<!doctype html><html lang=en><head><title>Acme page {i}</title></head><body>\
         <h1>Page {i}</h1><p>Write to sales{m}@acme.example or call +41 44 668 18 {m:02}.</p>\
         <ul>{links}</ul><a href=\"/\">Home</a> <a href=\"/#top\">Top</a> \
         <a href=\"https://partner{m}.example.org/ref?utm_source=acme\">Partner</a>\
         </body></html>",
        m = i % 7
    )
}

/// A crawler process killed on drop, so a failing test leaves none behind.
pub struct Crawler {
    pub child: Child,
    stderr: std::path::PathBuf,
}

impl Crawler {
    pub fn start(site: &Site, dir: &Path, run: usize, extra: &[String]) -> Crawler {
        let url = site.url("/");
        let dir_s = dir.to_str().unwrap().to_string();
        let mut args: Vec<&str> = vec![
            "scan",
            &url,
            "--state-dir",
            &dir_s,
            "--allow-private-networks",
            "--max-pages",
            "1000",
            "--company-name",
            "Acme",
            "--plain-progress",
        ];
        args.extend(extra.iter().map(String::as_str));
        Self::start_with(dir, run, &args, &[])
    }

    /// Starts the binary with these arguments and environment variables.
    pub fn start_with(dir: &Path, run: usize, args: &[&str], envs: &[(&str, &str)]) -> Crawler {
        let stderr = dir.with_extension(format!("stderr-{run}"));
        let child = Command::new(env!("CARGO_BIN_EXE_cira-crawler"))
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start cira-crawler");
        Crawler { child, stderr }
    }

    #[allow(unsafe_code)]
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child this test owns.
        let rc = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(rc, 0, "kill failed");
    }

    pub async fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "crawler did not exit in time");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Crawler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}
