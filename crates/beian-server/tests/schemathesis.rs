//! Schemathesis (from PyPI) against the OpenAPI document the server serves: generated
//! requests to every operation, as an anonymous visitor, as a customer and as an operator,
//! with no answer in the 5xx range and every answer of a documented status and shape.
//!
//! `scripts/test.sh` installs schemathesis into a virtualenv under the target directory and
//! names it in `BEIAN_SCHEMATHESIS`; without that variable the test looks for `st` on the
//! `PATH`. The self-check runs against the project's sandbox world, so its live checks
//! answer for real instead of a 503.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use beian_sandbox::{Sandbox, ServeConfig, World, WorldConfig};
use common::{token, world};

/// The schemathesis command: `BEIAN_SCHEMATHESIS`, else `st` on the `PATH`.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("BEIAN_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("st"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "schemathesis is not installed: run scripts/test.sh, or `pip install schemathesis` \
             and set BEIAN_SCHEMATHESIS to its `st`"
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_never_meet_a_server_error() {
    let sandbox = Sandbox::start(
        World::generate(&WorldConfig {
            sites: 10,
            seed: 3,
            ..WorldConfig::default()
        }),
        &ServeConfig::default(),
    )
    .await
    .expect("sandbox");
    let engine = common::sandbox_engine(&sandbox, Duration::from_secs(1), Duration::from_secs(3));
    let w = world("schemathesis", |c| {
        c.engine = Some(engine);
        c.selfcheck_per_minute = 20;
    })
    .await;
    let customer = token(&w, &w.a.login).await;
    let operator = token(&w, &w.operator).await;
    let spec = w.url("/api/openapi.json");
    let st = schemathesis();
    let report_dir = w.dir.join("schemathesis");
    std::fs::create_dir_all(&report_dir).expect("report dir");

    for (who, auth) in [
        ("anonymous", None),
        ("customer", Some(customer)),
        ("operator", Some(operator)),
    ] {
        let spec = spec.clone();
        let command = st.clone();
        let junit = report_dir.join(format!("{who}.xml"));
        let workdir = report_dir.clone();
        let output = tokio::task::spawn_blocking(move || {
            let mut cmd = Command::new(&command);
            // schemathesis keeps a cache directory where it runs.
            cmd.current_dir(&workdir);
            cmd.args(["run", &spec])
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,response_schema_conformance",
                ])
                .args(["--max-examples", "25", "--seed", "20261129"])
                .args(["--phases", "examples,coverage,fuzzing"])
                .args(["--workers", "2", "--request-timeout", "10"])
                .args(["--generation-database", "none", "--no-color"])
                .args(["--report", "junit", "--report-junit-path"])
                .arg(&junit)
                .env("SCHEMATHESIS_TELEMETRY", "false");
            if let Some(token) = auth {
                cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
            }
            cmd.output()
        })
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{}: {e}", st.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "schemathesis as {who} found failures:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary = stdout
            .lines()
            .rev()
            .find(|l| l.contains("passed") || l.contains("failed"))
            .unwrap_or("");
        eprintln!("schemathesis as {who}: {summary}");
    }
}
