//! `beian demo` on a fresh directory: the sandbox, the sweep and the console come up, the
//! sweep issues orders, and the console answers on the address it prints.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the console");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

#[test]
fn demo_serves_the_console_with_orders_issued() {
    let dir = std::env::temp_dir().join(format!("beian-demo-test-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_beian"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--sites",
            "20",
            "--for-seconds",
            "60",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start beian demo");
    let stdout = child.stdout.take().expect("stdout");
    let started = Instant::now();
    let mut address = None;
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split("http://").nth(1)
            && line.contains("演示已就绪")
        {
            address = Some(rest.trim_end_matches('/').to_owned());
        }
        if line.contains("按 Ctrl-C 退出") || started.elapsed() > Duration::from_secs(240) {
            break;
        }
    }
    let mut stderr = String::new();
    let address = match address {
        Some(address) => address,
        None => {
            let _ = child.kill();
            let _ = child
                .stderr
                .take()
                .map(|mut e| e.read_to_string(&mut stderr));
            panic!("no address printed:\n{printed}\n{stderr}");
        }
    };
    assert!(printed.contains("审核员账号 operator"), "{printed}");

    let login = get(&address, "/login");
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(login.contains("登录"), "the login page is in Chinese");
    let console = get(&address, "/console");
    assert!(
        console.starts_with("HTTP/1.1 303") || console.starts_with("HTTP/1.1 302"),
        "the console asks for a login first: {console}"
    );

    let _ = child.kill();
    let _ = child.wait();
    let _ = child
        .stderr
        .take()
        .map(|mut e| e.read_to_string(&mut stderr));
    let issued = stderr
        .lines()
        .find(|l| l.contains("签发整改单"))
        .unwrap_or_default()
        .to_owned();
    let count: u32 = issued
        .split("签发整改单 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(count > 0, "the sweep issues orders: {stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
