//! A fresh store for a test of the `beian` binary: a SQLite file, or a PostgreSQL schema
//! (the real server at 127.0.0.1:5432, or `BEIAN_TEST_PG_URL`) dropped afterwards.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pg_url() -> String {
    std::env::var("BEIAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn psql(sql: &str) {
    let output = Command::new("psql")
        .arg(pg_url())
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql must be installed");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh database: a SQLite file, or a PostgreSQL schema dropped afterwards.
pub struct TestDb {
    pub url: String,
    pub dir: PathBuf,
    schema: Option<String>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("beian-cli-workflow"));
        std::fs::create_dir_all(&dir).expect("test dir");
        TestDb {
            url: format!("sqlite://{}", dir.join("beian.db").display()),
            dir,
            schema: None,
        }
    }

    pub fn postgres() -> TestDb {
        let schema = unique("beian_cli_test");
        psql(&format!("CREATE SCHEMA {schema}"));
        let dir = std::env::temp_dir().join(unique("beian-cli-workflow"));
        std::fs::create_dir_all(&dir).expect("test dir");
        let base = pg_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        TestDb {
            url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
            dir,
            schema: Some(schema),
        }
    }

    /// The `beian` command on this database, to spawn.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_beian"));
        command
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("BEIAN_DB", &self.url);
        command
    }

    pub fn beian(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run beian")
    }

    /// Runs a command that must succeed and print JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let output = self.beian(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}\n{}",
            describe(&output)
        );
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e})\n{}", describe(&output)))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(schema) = &self.schema {
            let _ = Command::new("psql")
                .arg(pg_url())
                .args([
                    "-q",
                    "-c",
                    &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
                ])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
