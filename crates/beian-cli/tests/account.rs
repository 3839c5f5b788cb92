//! `beian account` on SQLite: an administrator creates a customer's account, issues it an
//! API token that `beian serve` accepts, disables and re-enables it, revokes the token and
//! sets a new password; bad input is refused with a clear message; every change is in the
//! audit log, which stays intact.

mod store_harness;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use store_harness::{TestDb, describe};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn with_password(db: &TestDb, args: &[&str], password: &str) -> Output {
    db.command(args)
        .env("BEIAN_PASSWORD", password)
        .output()
        .expect("run beian")
}

/// The status line of `GET /api/v1/me` with this token.
fn me(addr: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `beian serve` on this database and a free port; its address.
fn serve(db: &TestDb) -> (Server, String) {
    let mut child = db
        .command(&["serve", "--listen", "127.0.0.1:0", "--no-engine"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start beian serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let server = Server(child);
    let addr = loop {
        let line = lines
            .next()
            .expect("beian serve printed its address")
            .expect("line");
        if let Some(rest) = line.split("http://").nth(1)
            && line.contains("控制台")
        {
            break rest.split('/').next().expect("host:port").to_owned();
        }
    };
    // Keep reading its log so that the pipe never fills.
    std::thread::spawn(move || for _ in lines {});
    (server, addr)
}

#[test]
fn an_administrator_manages_accounts_and_tokens() {
    let db = TestDb::sqlite();
    let created = with_password(
        &db,
        &[
            "account",
            "add",
            "yunfan",
            "--role",
            "customer",
            "--customer",
            "云帆",
        ],
        "云帆的密码-2026",
    );
    assert_eq!(created.status.code(), Some(0), "{}", describe(&created));
    assert!(String::from_utf8_lossy(&created.stdout).contains("客户：云帆"));

    // Refusals name what is wrong and change nothing.
    for (args, password, message) in [
        (
            vec![
                "account",
                "add",
                "yunfan",
                "--role",
                "customer",
                "--customer",
                "云帆",
            ],
            "another-password",
            "已存在",
        ),
        (
            vec!["account", "add", "wang", "--role", "operator"],
            "short",
            "至少 8 个字符",
        ),
        (
            vec!["account", "add", "li", "--role", "customer"],
            "long-enough-password",
            "--customer",
        ),
        (
            vec![
                "account",
                "add",
                "zhao",
                "--role",
                "operator",
                "--customer",
                "云帆",
            ],
            "long-enough-password",
            "只有客户账号",
        ),
        (
            vec!["account", "disable", "nobody"],
            "long-enough-password",
            "没有登录名为 nobody",
        ),
    ] {
        let out = with_password(&db, &args, password);
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{}", describe(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let no_password = db.beian(&["account", "add", "sun", "--role", "operator"]);
    assert_eq!(no_password.status.code(), Some(2));
    assert!(stderr(&no_password).contains("BEIAN_PASSWORD"));

    let listed = db.json(&["account", "list", "--format", "json"]);
    let accounts = listed.as_array().expect("accounts");
    assert_eq!(accounts.len(), 1, "{listed}");
    assert_eq!(accounts[0]["login"], "yunfan");
    assert_eq!(accounts[0]["role"], "customer");
    assert_eq!(accounts[0]["customer"], "云帆");
    assert_eq!(accounts[0]["disabled"], false);

    let issued = db.beian(&["account", "token", "yunfan", "--name", "ci"]);
    assert_eq!(issued.status.code(), Some(0), "{}", describe(&issued));
    let token = String::from_utf8_lossy(&issued.stdout).trim().to_owned();
    assert_eq!(token.len(), 64, "one line: the token, {token:?}");
    let token_id = stderr(&issued)
        .split("编号 ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .expect("the token's id")
        .to_owned();

    let (_server, addr) = serve(&db);
    let answer = me(&addr, &token);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"login\":\"yunfan\""), "{answer}");

    let disabled = db.beian(&["account", "disable", "yunfan"]);
    assert_eq!(disabled.status.code(), Some(0), "{}", describe(&disabled));
    assert!(me(&addr, &token).starts_with("HTTP/1.1 401"));
    let enabled = db.beian(&["account", "enable", "yunfan"]);
    assert_eq!(enabled.status.code(), Some(0), "{}", describe(&enabled));
    assert!(me(&addr, &token).starts_with("HTTP/1.1 200"));

    let revoked = db.beian(&["account", "revoke", "yunfan", &token_id]);
    assert_eq!(revoked.status.code(), Some(0), "{}", describe(&revoked));
    assert!(me(&addr, &token).starts_with("HTTP/1.1 401"));
    let again = db.beian(&["account", "revoke", "yunfan", &token_id]);
    assert_eq!(again.status.code(), Some(2), "{}", describe(&again));

    let mut child = db
        .command(&["account", "password", "yunfan", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("新的密码-2027\n".as_bytes())
        .expect("write");
    let changed = child.wait_with_output().expect("wait");
    assert_eq!(changed.status.code(), Some(0), "{}", describe(&changed));

    // Six changes, each an audit row; the chain is intact; no secret is in the log.
    let verified = db.beian(&["audit", "verify", "--format", "json"]);
    assert_eq!(verified.status.code(), Some(0), "{}", describe(&verified));
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).expect("json");
    assert_eq!(report["rows"], 6, "{report}");
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let dump = Command::new("sqlite3")
        .args([
            &path,
            "SELECT action || ' ' || detail FROM audit_log ORDER BY seq",
        ])
        .output()
        .expect("the sqlite3 shell must be installed");
    let dump = String::from_utf8_lossy(&dump.stdout);
    for action in [
        "account_create",
        "token_create",
        "account_disable",
        "account_enable",
        "token_revoke",
        "account_password",
    ] {
        assert!(dump.contains(action), "{action} in\n{dump}");
    }
    assert!(
        !dump.contains(&token) && !dump.contains("新的密码"),
        "{dump}"
    );
}
