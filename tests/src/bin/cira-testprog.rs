//! A small program the node agent runs in test pods.
//!
//! Modes (first argument):
//! - `exit <code>`: exit with that code.
//! - `sleep <seconds>`: sleep, then exit 0.
//! - `until-sigterm <marker-file>`: wait for SIGTERM, write `sigterm` to the
//!   marker file, exit 0.
//! - `ignore-sigterm`: print each SIGTERM and keep running until killed.
//! - `cat <file>`: print the file, exit 0.
//! - `fail-first-run <dir>`: exit 1 the first time (leaving `<dir>/ran`),
//!   exit 0 afterwards.
//! - `sleep-first-run <dir>`: sleep for an hour the first time (leaving
//!   `<dir>/ran`), exit 0 afterwards.
//! - `serve <addr>`: answer every HTTP request with 200 `ok` until SIGTERM.
//! - `env`: print the arguments and the sorted environment, exit 0.
//! - `whoami`: ask the apiserver who we are (SelfSubjectReview through
//!   `KUBECONFIG`/in-cluster config), print `user: <name>`, exit 0.
//! - `write <file> <text>`: write the text to the file, exit 0.

use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{SignalKind, signal};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cira-testprog: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &[String]) -> Result<ExitCode, String> {
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .ok_or_else(|| format!("missing argument {i} for {:?}", args.first()))
    };
    match args.first().map(String::as_str) {
        Some("exit") => {
            let code: u8 = arg(1)?.parse().map_err(|e| format!("bad exit code: {e}"))?;
            println!("exiting with {code}");
            Ok(ExitCode::from(code))
        }
        Some("sleep") => {
            let secs: f64 = arg(1)?.parse().map_err(|e| format!("bad seconds: {e}"))?;
            println!("sleeping {secs}s");
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            Ok(ExitCode::SUCCESS)
        }
        Some("until-sigterm") => {
            let marker = arg(1)?;
            let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
            println!("waiting for SIGTERM");
            term.recv().await;
            println!("got SIGTERM");
            std::fs::write(&marker, "sigterm")
                .map_err(|e| format!("could not write {marker}: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Some("ignore-sigterm") => {
            let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
            println!("ignoring SIGTERM");
            loop {
                term.recv().await;
                println!("got SIGTERM, ignoring it");
            }
        }
        Some("cat") => {
            let file = arg(1)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("could not read {file}: {e}"))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Some("fail-first-run") => {
            let dir = std::path::PathBuf::from(arg(1)?);
            let flag = dir.join("ran");
            if flag.exists() {
                println!("second run: succeeding");
                Ok(ExitCode::SUCCESS)
            } else {
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                std::fs::write(&flag, "1").map_err(|e| e.to_string())?;
                println!("first run: failing");
                Ok(ExitCode::from(1))
            }
        }
        Some("sleep-first-run") => {
            let dir = std::path::PathBuf::from(arg(1)?);
            let flag = dir.join("ran");
            if flag.exists() {
                println!("second run: succeeding");
                return Ok(ExitCode::SUCCESS);
            }
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            std::fs::write(&flag, "1").map_err(|e| e.to_string())?;
            println!("first run: sleeping");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(ExitCode::SUCCESS)
        }
        Some("serve") => serve(&arg(1)?).await,
        Some("env") => {
            println!("args: {:?}", args);
            let mut vars: Vec<(String, String)> = std::env::vars().collect();
            vars.sort();
            for (k, v) in vars {
                println!("{k}={v}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("whoami") => {
            let client = kube::Client::try_default()
                .await
                .map_err(|e| format!("no client: {e}"))?;
            let review: k8s_openapi::api::authentication::v1::SelfSubjectReview =
                serde_json::from_value(serde_json::json!({"metadata": {}}))
                    .map_err(|e| e.to_string())?;
            let api: kube::Api<k8s_openapi::api::authentication::v1::SelfSubjectReview> =
                kube::Api::all(client);
            let review = api
                .create(&Default::default(), &review)
                .await
                .map_err(|e| format!("SelfSubjectReview failed: {e}"))?;
            let user = review
                .status
                .and_then(|s| s.user_info)
                .and_then(|u| u.username)
                .unwrap_or_default();
            println!("user: {user}");
            Ok(ExitCode::SUCCESS)
        }
        Some("write") => {
            let (file, text) = (arg(1)?, arg(2)?);
            std::fs::write(&file, text).map_err(|e| format!("could not write {file}: {e}"))?;
            println!("wrote {file}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown mode {other:?}")),
    }
}

async fn serve(addr: &str) -> Result<ExitCode, String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("could not listen on {addr}: {e}"))?;
    println!("listening on {addr}");
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            _ = term.recv() => {
                println!("got SIGTERM");
                return Ok(ExitCode::SUCCESS);
            }
            accepted = listener.accept() => {
                let Ok((mut stream, _)) = accepted else { continue };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = stream.read(&mut buf).await;
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                        .await;
                });
            }
        }
    }
}
