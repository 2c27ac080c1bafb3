//! The W3C WebDriver calls the browser test makes (new session, navigate,
//! find, text, click, type, run a script, screenshot), as JSON over HTTP to
//! chromedriver. See <https://www.w3.org/TR/webdriver2/>.

use std::fmt;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver error: the driver's error code and message, or a transport
/// problem.
#[derive(Debug)]
pub struct WebDriverError(pub String);

impl fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WebDriverError {}

type Result<T> = std::result::Result<T, WebDriverError>;

/// One browser session.
pub struct Browser {
    http: Client<HttpConnector, Full<Bytes>>,
    /// `http://127.0.0.1:<port>/session/<id>`
    session: String,
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

async fn call(
    http: &Client<HttpConnector, Full<Bytes>>,
    method: hyper::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json; charset=utf-8")
        .body(Full::new(Bytes::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        )))
        .map_err(|e| WebDriverError(format!("request to {url}: {e}")))?;
    let response = http
        .request(request)
        .await
        .map_err(|e| WebDriverError(format!("{url}: {e}")))?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| WebDriverError(format!("{url}: {e}")))?
        .to_bytes();
    let reply: Value = serde_json::from_slice(&bytes).map_err(|e| {
        WebDriverError(format!(
            "{url}: not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        ))
    })?;
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        Ok(value)
    } else {
        Err(WebDriverError(format!(
            "{}: {}",
            value["error"].as_str().unwrap_or("error"),
            value["message"].as_str().unwrap_or_default()
        )))
    }
}

impl Browser {
    /// Opens a session at the driver listening on `driver` (`http://host:port`)
    /// with these capabilities (`alwaysMatch`).
    pub async fn start(driver: &str, capabilities: Value) -> Result<Browser> {
        let http = Client::builder(TokioExecutor::new()).build_http();
        let reply = call(
            &http,
            hyper::Method::POST,
            &format!("{driver}/session"),
            Some(json!({"capabilities": {"alwaysMatch": capabilities}})),
        )
        .await?;
        let id = reply["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError(format!("no session id in {reply}")))?;
        Ok(Browser {
            http,
            session: format!("{driver}/session/{id}"),
        })
    }

    async fn get(&self, path: &str) -> Result<Value> {
        call(
            &self.http,
            hyper::Method::GET,
            &format!("{}{path}", self.session),
            None,
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        call(
            &self.http,
            hyper::Method::POST,
            &format!("{}{path}", self.session),
            Some(body),
        )
        .await
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({"url": url})).await.map(|_| ())
    }

    pub async fn current_url(&self) -> Result<String> {
        let v = self.get("/url").await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The first element matching the CSS selector.
    pub async fn find(&self, css: &str) -> Result<Element<'_>> {
        let v = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await?;
        let id = v[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| WebDriverError(format!("no element reference in {v}")))?;
        Ok(Element {
            browser: self,
            id: id.to_string(),
        })
    }

    /// Runs `script` as a function body in the page; its return value.
    pub async fn execute(&self, script: &str) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> Result<String> {
        Ok(self
            .get("/source")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.get("/screenshot").await?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| WebDriverError(format!("screenshot: {e}")))
    }

    /// Ends the session (the browser quits).
    pub async fn close(&self) -> Result<()> {
        call(&self.http, hyper::Method::DELETE, &self.session, None)
            .await
            .map(|_| ())
    }
}

impl Element<'_> {
    fn path(&self, what: &str) -> String {
        format!("/element/{}/{what}", self.id)
    }

    pub async fn text(&self) -> Result<String> {
        let v = self.browser.get(&self.path("text")).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub async fn click(&self) -> Result<()> {
        self.browser
            .post(&self.path("click"), json!({}))
            .await
            .map(|_| ())
    }

    pub async fn clear(&self) -> Result<()> {
        self.browser
            .post(&self.path("clear"), json!({}))
            .await
            .map(|_| ())
    }

    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.browser
            .post(&self.path("value"), json!({"text": text}))
            .await
            .map(|_| ())
    }

    pub async fn attr(&self, name: &str) -> Result<Option<String>> {
        let v = self
            .browser
            .get(&self.path(&format!("attribute/{name}")))
            .await?;
        Ok(v.as_str().map(str::to_string))
    }
}
