//! The REST API on a loopback port over a temporary SQLite store.

mod common;

use common::{PASSWORD, RAW_PII, session, token, world};
use serde_json::{Value, json};

async fn get(client: &reqwest::Client, url: String, token: &str) -> (u16, Value) {
    let resp = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_see_only_their_own_filings_and_orders() {
    let w = world("scope", |_| {}).await;
    let ta = token(&w, &w.a.login).await;
    let http = reqwest::Client::new();
    let (status, list) = get(&http, w.url("/api/v1/filings"), &ta).await;
    assert_eq!(status, 200);
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filing_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, vec!["京ICP备2024012345号"]);
    assert_eq!(list["items"][0]["status"], "rectification");

    let (status, _) = get(
        &http,
        w.url(&format!("/api/v1/filings/{}", w.a.filing_id)),
        &ta,
    )
    .await;
    assert_eq!(status, 200);
    for path in [
        format!("/api/v1/filings/{}", w.b.filing_id),
        format!("/api/v1/orders/{}", w.b.order_id),
    ] {
        let (status, body) = get(&http, w.url(&path), &ta).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("找不到")
        );
    }
    let (status, orders) = get(&http, w.url("/api/v1/orders"), &ta).await;
    assert_eq!(status, 200);
    assert_eq!(orders["items"].as_array().unwrap().len(), 1);
    assert_eq!(orders["items"][0]["id"], w.a.order_id);

    let (status, body) = get(&http, w.url("/api/v1/filings?limit=0"), &ta).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, body) = get(&http, w.url("/api/v1/filings"), "not-a-token").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workflow_through_the_api_ends_in_normal() {
    let w = world("flow", |_| {}).await;
    let ta = token(&w, &w.a.login).await;
    let top = token(&w, &w.operator).await;
    let http = reqwest::Client::new();
    let post = |t: &str, id: i64, body: Value, key: &str| {
        http.post(w.url(&format!("/api/v1/orders/{id}/events")))
            .bearer_auth(t.to_string())
            .header("Idempotency-Key", key.to_string())
            .json(&body)
            .send()
    };
    let resp = post(
        &ta,
        w.a.order_id,
        json!({"kind": "submit", "data": {"kind": "变更网站"}}),
        "k0",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 422, "a malformed event is refused");
    // A listed document must have been uploaded for this order first.
    let with_attachment = json!({"kind": "submit", "data": {
        "kind": "变更网站",
        "fields": [{"path": "websites[0].name", "old": "云帆数据", "new": "欢迎光临"}],
        "attachments": [{"name": "营业执照.pdf", "sha256": "ab".repeat(32), "size": 1024}],
        "note": "按首页标题变更网站名称",
    }});
    let resp = post(&ta, w.a.order_id, with_attachment, "k0a")
        .await
        .unwrap();
    assert_eq!(resp.status(), 422, "a hash never uploaded");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_event");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("未上传到本整改单"),
        "{body}"
    );
    let submit = json!({"kind": "submit", "data": {
        "kind": "变更网站",
        "fields": [{"path": "websites[0].name", "old": "云帆数据", "new": "欢迎光临"}],
        "attachments": [],
        "note": "按首页标题变更网站名称",
    }});
    let resp = post(&ta, w.a.order_id, submit.clone(), "k1").await.unwrap();
    let status = resp.status().as_u16();
    let first: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["order"]["state"], "submitted");
    // The same key and body: the first answer again, nothing applied twice.
    let resp = post(&ta, w.a.order_id, submit.clone(), "k1").await.unwrap();
    assert_eq!(
        resp.headers()
            .get("idempotency-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let replay: Value = resp.json().await.unwrap();
    assert_eq!(replay, first);
    // The same key with another body: refused.
    let resp = post(
        &ta,
        w.a.order_id,
        json!({"kind": "appeal", "data": {"reason": "x"}}),
        "k1",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "idempotency_key_reused");

    // A customer may not approve; customer B cannot even see the order.
    let resp = post(
        &ta,
        w.a.order_id,
        json!({"kind": "approve", "data": {"needs_miit": false}}),
        "k2",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 403);
    let tb = token(&w, &w.b.login).await;
    let resp = post(
        &tb,
        w.a.order_id,
        json!({"kind": "appeal", "data": {"reason": "x"}}),
        "k3",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 404);

    for (i, ev) in [
        json!({"kind": "approve", "data": {"needs_miit": false}}),
        json!({"kind": "recheck_passed"}),
    ]
    .into_iter()
    .enumerate()
    {
        let resp = post(&top, w.a.order_id, ev, &format!("op{i}"))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let (status, filing) = get(
        &http,
        w.url(&format!("/api/v1/filings/{}", w.a.filing_id)),
        &ta,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(filing["status"], "normal");
    assert_eq!(filing["sites"][0]["status"], "normal");
    let (_, order) = get(
        &http,
        w.url(&format!("/api/v1/orders/{}", w.a.order_id)),
        &ta,
    )
    .await;
    assert_eq!(order["order"]["state"], "resolved");
    let labels: Vec<&str> = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"提交审核") && labels.contains(&"审核通过"),
        "{labels:?}"
    );
    let (_, inbox) = get(&http, w.url("/api/v1/inbox"), &ta).await;
    assert!(inbox["items"].as_array().unwrap().len() >= 2, "{inbox}");
    let text = serde_json::to_string(&order).unwrap() + &serde_json::to_string(&filing).unwrap();
    for raw in RAW_PII {
        assert!(!text.contains(raw), "{raw} unmasked");
    }
    let _ = PASSWORD;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_and_forms_need_csrf() {
    let w = world("login", |c| c.login_per_minute = 3).await;
    common::install_crypto();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Without the login form's CSRF cookie the post is refused.
    let resp = client
        .post(w.url("/login"))
        .form(&[("login", "yunfan"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let page = client
            .get(w.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = common::between(&page, "name=\"csrf\" value=\"", "\"").unwrap();
        let resp = client
            .post(w.url("/login"))
            .form(&[("login", "yunfan"), ("password", "wrong"), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
    // A session's form without its CSRF token is refused.
    let w2 = world("csrf", |_| {}).await;
    let c = session(&w2, "yunfan").await;
    let resp = c
        .post(w2.url(&format!("/console/orders/{}/extension", w2.a.order_id)))
        .form(&[("days", "3"), ("reason", "x"), ("csrf", "bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_and_its_page_are_served() {
    let w = world("openapi", |_| {}).await;
    let spec: Value = reqwest::get(w.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        spec["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    for p in [
        "/api/v1/filings",
        "/api/v1/orders/{id}/events",
        "/api/v1/selfcheck",
    ] {
        assert!(spec["paths"].get(p).is_some(), "{p} documented");
    }
    let upload = &spec["paths"]["/api/v1/orders/{id}/attachments"]["post"];
    let form = &upload["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(form["properties"]["file"]["type"], "array", "{upload}");
    assert_eq!(
        form["properties"]["file"]["items"]["contentMediaType"], "application/octet-stream",
        "{upload}"
    );
    assert!(upload["responses"].get("201").is_some(), "{upload}");
    let page = reqwest::get(w.url("/api/docs"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/openapi.json"));
    assert!(
        !page.contains("cdn") && !page.contains("https://"),
        "no external assets"
    );
}

/// An order for a third entity whose name carries a mobile number, the kind of free text
/// an export must mask.
async fn order_with_a_number_in_the_name(w: &common::World) -> i64 {
    let mut f = common::other_filing();
    f.entity.name = "王芳13911112222工作室".into();
    f.entity.filing_number = Some("粤ICP备2023011111号".into());
    f.websites[0].filing_number = Some("粤ICP备2023011111号-1".into());
    f.websites[0].domains = vec!["wangfang-studio.cn".into()];
    let now = chrono::Utc::now();
    let out = w
        .store()
        .upsert_filings(&[(None, &f)], &beian_store::Actor::system("test"), now)
        .await
        .expect("upsert");
    let state = w.state();
    common::issue(
        state,
        out[0].filing_id,
        &[common::title_finding("星海网络")],
    )
    .await
}

/// The rows of the first worksheet named `sheet`, every cell as text.
fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX");
    let range = book.worksheet_range(sheet).expect("the worksheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The rows of a CSV answer (no quoted commas in these rows).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_exports_in_xlsx_match_the_csv_and_are_masked() {
    let w = world("xlsx", |_| {}).await;
    let third = order_with_a_number_in_the_name(&w).await;
    let top = token(&w, &w.operator).await;
    let ta = token(&w, &w.a.login).await;
    let http = reqwest::Client::new();
    let fetch = |path: &str, t: Option<&str>| {
        let mut req = http.get(w.url(path));
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        req.send()
    };

    let resp = fetch("/api/v1/exports/orders.xlsx", Some(&top))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"orders.xlsx\""
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip archive");
    let sheet = xlsx_rows(&bytes, "整改单");
    assert_eq!(
        sheet[0],
        [
            "整改单",
            "主体备案号",
            "主办单位名称",
            "状态",
            "整改期限",
            "延期",
            "下发时间"
        ]
    );
    let ids: Vec<&str> = sheet[1..].iter().map(|r| r[0].as_str()).collect();
    let want = [third, w.b.order_id, w.a.order_id].map(|i| i.to_string());
    assert_eq!(ids, want, "every order, newest first");

    // The CSV of the same list says the same, cell for cell.
    let csv = fetch("/api/v1/exports/orders.csv", Some(&top))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv_rows(&csv), sheet);

    // Masked by default: the number in the name shows as 139****2222 in both files.
    let named = &sheet[1];
    assert_eq!(named[2], "王芳139****2222工作室");
    assert_eq!(named[1], "粤ICP备2023011111号");
    let all_cells = sheet.concat().join("|");
    for raw in common::RAW_PII {
        assert!(!all_cells.contains(raw), "{raw} unmasked in the XLSX");
        assert!(!csv.contains(raw), "{raw} unmasked in the CSV");
    }

    // One state, several states (a console page's list), a state nothing is in.
    let rows = |bytes: &[u8]| xlsx_rows(bytes, "整改单").len() - 1;
    for (query, count) in [
        ("?status=issued", 3),
        (
            "?status=overdue,enforcement_pending,access_cancelled,deregistration_pending",
            0,
        ),
        ("?status=issued,submitted", 3),
        ("?status=", 3),
    ] {
        let resp = fetch(&format!("/api/v1/exports/orders.xlsx{query}"), Some(&top))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{query}");
        assert_eq!(rows(&resp.bytes().await.unwrap()), count, "{query}");
    }
    let resp = fetch(
        "/api/v1/exports/orders.xlsx?status=issued,nonsense",
        Some(&top),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    // Staff only: a customer is refused, a visitor asked to log in.
    let resp = fetch("/api/v1/exports/orders.xlsx", Some(&ta))
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = fetch("/api/v1/exports/orders.xlsx", None).await.unwrap();
    assert_eq!(resp.status(), 401);

    // Documented beside the CSV, with its content type.
    let spec: Value = fetch("/api/openapi.json", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = &spec["paths"]["/api/v1/exports/orders.xlsx"]["get"];
    assert!(
        op["responses"]["200"]["content"]
            .get("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .is_some(),
        "{op}"
    );
    assert!(op.get("security").is_some(), "not public");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_offers_both_exports_of_the_list_it_shows() {
    let w = world("export-buttons", |_| {}).await;
    let c = session(&w, &w.operator).await;
    for (page, query) in [
        ("/ops/orders", ""),
        (
            "/ops/orders?state=access_cancelled",
            "?status=access_cancelled",
        ),
        (
            "/ops/enforcement",
            "?status=overdue,enforcement_pending,access_cancelled,deregistration_pending",
        ),
        ("/ops/review", "?status=submitted,appealed"),
    ] {
        let html = c
            .get(w.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for ext in ["csv", "xlsx"] {
            let link = format!("href=\"/api/v1/exports/orders.{ext}{query}\"");
            assert!(html.contains(&link), "{page}: {link}");
        }
    }
}

/// The filing numbers a search page lists, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<tr data-filing=")
        .skip(1)
        .filter_map(|row| common::between(row, "<td>", "</td>"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_search_by_number_code_domain_and_name() {
    let w = world("search", |_| {}).await;
    order_with_a_number_in_the_name(&w).await;
    let c = session(&w, &w.operator).await;
    let search = |q: &str| {
        let url = reqwest::Url::parse_with_params(&w.url("/ops/search"), &[("q", q)]).unwrap();
        let c = c.clone();
        async move {
            let resp = c.get(url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.text().await.unwrap()
        }
    };
    let a = "京ICP备2024012345号";
    let b = "沪ICP备2023054321号";
    let third = "粤ICP备2023011111号";
    for (q, want, kind) in [
        (a, vec![a], "按备案号查找"),
        ("京ICP备2024012345号-1", vec![a], "按备案号查找"),
        ("沪icp备 2023054321号", vec![b], "按备案号查找"),
        (
            "91110108ma01xy7k9d",
            vec![a, b, third],
            "按统一社会信用代码查找",
        ),
        ("WWW.Yunfan-Data.cn", vec![a], "按域名查找"),
        ("https://www.xinghai-net.cn/", vec![b], "按域名查找"),
        ("星海", vec![b], "按主办单位名称查找"),
        ("工作室", vec![third], "按主办单位名称查找"),
        ("不存在的公司", vec![], "按主办单位名称查找"),
    ] {
        let html = search(q).await;
        assert_eq!(listed(&html), want, "{q}");
        assert!(html.contains(kind), "{q}: {kind}");
        if want.is_empty() {
            assert!(html.contains("没有找到匹配的备案"), "{q}");
        }
    }
    // Each result shows its status and links its open order.
    let html = search(a).await;
    assert!(html.contains("备案整改"), "the status");
    assert!(html.contains(&format!("href=\"/ops/orders/{}\"", w.a.order_id)));
    // A person's ID number is no search key; no page shows a raw personal number.
    let html = search("11010819850615003X").await;
    assert!(listed(&html).is_empty());
    for q in ["工作室", a, b] {
        let html = search(q).await;
        for raw in RAW_PII {
            assert!(!html.contains(raw), "{raw} on the page for {q}");
        }
    }
    assert!(search("工作室").await.contains("王芳139****2222工作室"));

    // More than the cap: the first 50, and the page says so.
    let filings: Vec<beian_domain::Filing> = (0..55)
        .map(|i| {
            let mut f = common::other_filing();
            f.entity.name = format!("批量测试科技有限公司{i:02}");
            f.entity.filing_number = Some(format!("浙ICP备20230{i:05}号"));
            f.websites[0].filing_number = Some(format!("浙ICP备20230{i:05}号-1"));
            f
        })
        .collect();
    let items: Vec<(Option<i64>, &beian_domain::Filing)> =
        filings.iter().map(|f| (None, f)).collect();
    w.store()
        .upsert_filings(
            &items,
            &beian_store::Actor::system("test"),
            chrono::Utc::now(),
        )
        .await
        .expect("upsert");
    let html = search("批量测试").await;
    assert_eq!(listed(&html).len(), 50);
    assert!(html.contains("id=\"search-capped\""), "the cap is said");
    assert!(html.contains("仅显示前 50 条"));
    let html = search("批量测试科技有限公司54").await;
    assert_eq!(listed(&html), vec!["浙ICP备2023000054号"]);
    assert!(!html.contains("id=\"search-capped\""));

    // Too long a text is refused on the page; customers do not search.
    let html = search(&"长".repeat(101)).await;
    assert!(html.contains("搜索内容不能超过 100 个字"));
    let customer = session(&w, &w.a.login).await;
    let resp = customer
        .get(w.url("/ops/search?q=%E6%98%9F%E6%B5%B7"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

/// A `multipart/form-data` body built by hand, so that the test chooses exactly what a
/// browser would send: text fields, then files with their names and claimed types.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    multipart_named("attachment", fields, files)
}

/// [`multipart`] with the files under the form field `field`.
fn multipart_named(
    field: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----beian-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small PDF with binary bytes after the header, as scanners write them.
fn licence_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n".to_vec();
    pdf.extend((0..=255_u8).cycle().take(4096));
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

async fn csrf_of(client: &reqwest::Client, url: String) -> String {
    let page = client.get(url).send().await.unwrap().text().await.unwrap();
    common::between(&page, "name=\"csrf\" value=\"", "\"").expect("csrf field")
}

async fn post_form(
    client: &reqwest::Client,
    url: String,
    (content_type, body): (String, Vec<u8>),
) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn attachment_count(w: &common::World) -> i64 {
    let pool = w
        .store()
        .sqlite_pool()
        .expect("the test world is on SQLite");
    sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_uploaded_with_a_change_reach_the_reviewer_and_nobody_else() {
    let w = world("attachments", |_| {}).await;
    let (a_order, b_order) = (w.a.order_id, w.b.order_id);
    let a = session(&w, &w.a.login).await;
    let change_url = |id: i64| w.url(&format!("/console/orders/{id}/change"));
    let csrf = csrf_of(
        &a,
        w.url(&format!(
            "/console/orders/{a_order}/change?kind=change_website"
        )),
    )
    .await;
    let form_page = a
        .get(w.url(&format!(
            "/console/orders/{a_order}/change?kind=change_website"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form_page.contains("multiple") && form_page.contains("每个不超过 10 MB"));

    // Customer A submits a change with a PDF (and the empty part of an unused file input).
    let pdf = licence_pdf();
    let sha = sha256_hex(&pdf);
    let name = "营业执照（副本）.pdf";
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "change_website"),
        ("site", "0"),
        ("path", "websites[0].name"),
        ("value", "云帆数据官网"),
        ("note", "按首页标题变更网站名称，附营业执照"),
    ];
    let resp = post_form(
        &a,
        change_url(a_order),
        multipart(
            &fields,
            &[
                (name, "application/pdf", &pdf),
                ("", "application/octet-stream", b""),
            ],
        ),
    )
    .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let order = w
        .store()
        .order(beian_store::Scope::All, a_order)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.state, "submitted");
    assert_eq!(attachment_count(&w).await, 1);

    // The customer's order page links the document; the customer downloads it.
    let customer_link = format!("/console/orders/{a_order}/attachments/{sha}");
    let page = a
        .get(w.url(&format!("/console/orders/{a_order}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // (The template escapes the slash of its base path: `&#x2f;console/orders/…`.)
    assert!(
        page.contains(&format!("console/orders/{a_order}/attachments/{sha}\"")),
        "{page}"
    );
    assert!(page.contains(name) && page.contains("4.1 KB"));
    let own = a.get(w.url(&customer_link)).send().await.unwrap();
    assert_eq!(own.status(), 200);
    assert_eq!(own.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // The operator sees it on the review page and downloads it byte for byte.
    let op = session(&w, &w.operator).await;
    let ops_link = format!("/ops/orders/{a_order}/attachments/{sha}");
    let page = op
        .get(w.url(&format!("/ops/orders/{a_order}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let review = &page[page.find("id=\"review\"").expect("the review card")..];
    assert!(
        review.contains(&format!("ops/orders/{a_order}/attachments/{sha}\"")),
        "the review card links it"
    );
    let resp = op.get(w.url(&ops_link)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains(
            "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%EF%BC%88%E5%89%AF%E6%9C%AC%EF%BC%89.pdf"
        ),
        "{disposition}"
    );
    assert!(header("cache-control").contains("no-store"));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // The API's order shows the same listing.
    let top = token(&w, &w.operator).await;
    let (_, order_json) = get(
        &reqwest::Client::new(),
        w.url(&format!("/api/v1/orders/{a_order}")),
        &top,
    )
    .await;
    let listed = &order_json["change_requests"][0]["attachments"][0];
    assert_eq!(listed["name"], name);
    assert_eq!(listed["sha256"], sha.as_str());
    assert_eq!(listed["size"], pdf.len());

    // Customer B: not through A's order, not through B's own order, not as staff.
    let b = session(&w, &w.b.login).await;
    for path in [
        customer_link.clone(),
        format!("/console/orders/{b_order}/attachments/{sha}"),
        format!("/console/orders/{a_order}/attachments/{}", &sha[..63]),
    ] {
        let resp = b.get(w.url(&path)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("找不到"), "{path}");
        assert!(!body.contains("%PDF"), "{path}");
    }
    assert_eq!(b.get(w.url(&ops_link)).send().await.unwrap().status(), 403);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = anonymous.get(w.url(&customer_link)).send().await.unwrap();
    assert_eq!(resp.status(), 303, "to the login page");
    assert_eq!(
        op.get(w.url(&format!("/ops/orders/{b_order}/attachments/{sha}")))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "staff too read a document only through an order that lists it"
    );

    // B's uploads are judged by their bytes: a program renamed .pdf is refused by name,
    // the form comes back with what B typed, nothing is stored and the order stays.
    let csrf_b = csrf_of(
        &b,
        w.url(&format!(
            "/console/orders/{b_order}/change?kind=change_website"
        )),
    )
    .await;
    let b_fields = [
        ("csrf", csrf_b.as_str()),
        ("kind", "change_website"),
        ("site", "0"),
        ("path", "websites[0].name"),
        ("value", "星海网络官网"),
        ("note", "附前置审批文件"),
    ];
    let program =
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xffThis program cannot be run in DOS mode";
    let resp = post_form(
        &b,
        change_url(b_order),
        multipart(&b_fields, &[("前置审批.pdf", "application/pdf", program)]),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("附件「前置审批.pdf」不是 PDF、JPG 或 PNG 文件"),
        "{page}"
    );
    assert!(
        page.contains("id=\"change-form\""),
        "the form is shown again"
    );
    assert!(page.contains("value=\"星海网络官网\"") && page.contains("附前置审批文件"));
    for raw in RAW_PII {
        assert!(!page.contains(raw), "{raw} on the refused form");
    }
    // Too large a file, and too many files, are refused the same way.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'0');
    let resp = post_form(
        &b,
        change_url(b_order),
        multipart(&b_fields, &[("扫描件.pdf", "application/pdf", &big)]),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("附件「扫描件.pdf」超过 10 MB")
    );
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    let six: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| {
            let mut bytes = png.clone();
            bytes.push(i);
            (format!("截图{i}.png"), bytes)
        })
        .collect();
    let files: Vec<(&str, &str, &[u8])> = six
        .iter()
        .map(|(n, b)| (n.as_str(), "image/png", b.as_slice()))
        .collect();
    let resp = post_form(&b, change_url(b_order), multipart(&b_fields, &files)).await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("每次最多上传 5 个附件，本次选择了 6 个")
    );
    // The re-check form's evidence obeys the same rules.
    let resp = post_form(
        &b,
        w.url(&format!("/console/orders/{b_order}/recheck")),
        multipart(
            &[("csrf", csrf_b.as_str()), ("evidence", "已修改首页标题")],
            &[("整改截图.png", "image/png", program)],
        ),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("附件「整改截图.png」不是 PDF、JPG 或 PNG 文件")
    );
    assert_eq!(attachment_count(&w).await, 1, "nothing refused was stored");
    let order = w
        .store()
        .order(beian_store::Scope::All, b_order)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.state, "issued");

    // The upload routes take five files at nearly the limit each, far above the body
    // limit of every other route, which still refuses such a body.
    let near: Vec<(String, Vec<u8>)> = (0..5_u8)
        .map(|i| {
            let mut bytes = if i % 2 == 0 {
                b"%PDF-1.7\n".to_vec()
            } else {
                b"\xff\xd8\xff\xe0\x00\x10JFIF".to_vec()
            };
            bytes.resize(10 * 1024 * 1024 - 4096, i);
            (format!("材料{i}"), bytes)
        })
        .collect();
    let files: Vec<(&str, &str, &[u8])> = near
        .iter()
        .map(|(n, b)| (n.as_str(), "application/octet-stream", b.as_slice()))
        .collect();
    let resp = post_form(&b, change_url(b_order), multipart(&b_fields, &files)).await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    assert_eq!(attachment_count(&w).await, 6);
    let jpeg_link = format!(
        "/ops/orders/{b_order}/attachments/{}",
        sha256_hex(&near[1].1)
    );
    let resp = op.get(w.url(&jpeg_link)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("%E6%9D%90%E6%96%991")
    );
    let resp = b
        .post(w.url(&format!("/console/orders/{b_order}/extension")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 11 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

/// Uploads `files` to order `id` through the API as the holder of `token`.
async fn api_upload(
    w: &common::World,
    token: &str,
    id: i64,
    files: &[(&str, &str, &[u8])],
) -> (u16, Value) {
    let (content_type, body) = multipart_named("file", &[], files);
    let resp = reqwest::Client::new()
        .post(w.url(&format!("/api/v1/orders/{id}/attachments")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_uploaded_through_the_api_may_be_listed_by_their_own_order_only() {
    let w = world("api-upload", |_| {}).await;
    let (a_order, b_order) = (w.a.order_id, w.b.order_id);
    let ta = token(&w, &w.a.login).await;
    let tb = token(&w, &w.b.login).await;
    let http = reqwest::Client::new();
    let event = |t: &str, id: i64, body: Value| {
        http.post(w.url(&format!("/api/v1/orders/{id}/events")))
            .bearer_auth(t.to_string())
            .json(&body)
            .send()
    };

    // A uploads a licence to A's order: 201 with what an event lists.
    let pdf = licence_pdf();
    let sha = sha256_hex(&pdf);
    let (status, kept) = api_upload(
        &w,
        &ta,
        a_order,
        &[("营业执照.pdf", "application/pdf", &pdf)],
    )
    .await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(
        kept,
        json!([{"name": "营业执照.pdf", "sha256": sha, "size": pdf.len()}])
    );
    // B cannot upload to A's order, and learns nothing of it.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-b".to_vec();
    let (status, body) = api_upload(&w, &tb, a_order, &[("截图.png", "image/png", &png)]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    // B's upload to B's own order.
    let (status, b_kept) = api_upload(&w, &tb, b_order, &[("截图.png", "image/png", &png)]).await;
    assert_eq!(status, 201, "{b_kept}");
    let b_sha = b_kept[0]["sha256"].as_str().unwrap().to_owned();
    // The console's rules: a program named .pdf is refused by name, nothing chosen is 400,
    // a JSON body is 415.
    let program = b"MZ\x90\x00\x03\x00\x00\x00";
    let (status, body) = api_upload(
        &w,
        &ta,
        a_order,
        &[("授权书.pdf", "application/pdf", program)],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_attachment"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("「授权书.pdf」"),
        "{body}"
    );
    let (status, _) = api_upload(&w, &ta, a_order, &[]).await;
    assert_eq!(status, 400);
    let resp = http
        .post(w.url(&format!("/api/v1/orders/{a_order}/attachments")))
        .bearer_auth(&ta)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);

    let submit = |listed: Value| {
        json!({"kind": "submit", "data": {
            "kind": "变更网站",
            "fields": [{"path": "websites[0].name", "old": "云帆数据", "new": "欢迎光临"}],
            "attachments": listed,
            "note": "按首页标题变更网站名称",
        }})
    };
    // Refused: B's upload (stored, but for another order), a hash never uploaded, and A's
    // own upload with another size.
    for listed in [
        json!([{"name": "截图.png", "sha256": b_sha, "size": png.len()}]),
        json!([{"name": "x.pdf", "sha256": sha256_hex(b"never"), "size": 5}]),
        json!([{"name": "营业执照.pdf", "sha256": sha, "size": 1}]),
    ] {
        let resp = event(&ta, a_order, submit(listed.clone())).await.unwrap();
        assert_eq!(resp.status(), 422, "{listed}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_event", "{listed}");
    }
    let order = w
        .store()
        .order(beian_store::Scope::All, a_order)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.state, "issued", "nothing refused was applied");
    // Accepted: what the upload answered, under any label.
    let mut listed = kept.clone();
    listed[0]["name"] = json!("营业执照（副本）.pdf");
    let resp = event(&ta, a_order, submit(listed)).await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let (_, order_json) = get(&http, w.url(&format!("/api/v1/orders/{a_order}")), &ta).await;
    assert_eq!(
        order_json["change_requests"][0]["attachments"][0]["sha256"],
        sha.as_str()
    );

    // B asks for a re-check listing B's upload: its document opens for B and for staff
    // (no change request lists it), and the order page links it where the request shows.
    let resp = event(
        &tb,
        b_order,
        json!({"kind": "request_recheck", "data": {"evidence": "已修改首页标题", "attachments": b_kept}}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let b = session(&w, &w.b.login).await;
    let link = format!("/console/orders/{b_order}/attachments/{b_sha}");
    let resp = b.get(w.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), png.as_slice());
    let page = b
        .get(w.url(&format!("/console/orders/{b_order}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let timeline = &page[page.find("id=\"timeline\"").expect("the timeline")..];
    assert!(
        timeline.contains("已修改首页标题"),
        "the request's evidence"
    );
    assert!(
        timeline.contains(&format!("console/orders/{b_order}/attachments/{b_sha}\"")),
        "{timeline}"
    );
    let op = session(&w, &w.operator).await;
    let resp = op
        .get(w.url(&format!("/ops/orders/{b_order}/attachments/{b_sha}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A cannot open it, through either order.
    let a = session(&w, &w.a.login).await;
    for path in [
        link,
        format!("/console/orders/{a_order}/attachments/{b_sha}"),
    ] {
        assert_eq!(
            a.get(w.url(&path)).send().await.unwrap().status(),
            404,
            "{path}"
        );
    }
}

/// A finished run of the store of `w` with these findings per filing.
async fn finished_run(w: &common::World, findings: &[(i64, Vec<beian_domain::Finding>)]) -> i64 {
    let now = chrono::Utc::now();
    let total = i64::try_from(findings.len()).unwrap();
    let system = beian_store::Actor::system("test");
    let run = w
        .store()
        .create_run("sweep", &json!({}), total, &system, now)
        .await
        .unwrap();
    for (filing, found) in findings {
        w.store()
            .record_findings(run, *filing, found, now)
            .await
            .unwrap();
    }
    w.store().finish_run(run, "finished", now).await.unwrap();
    run
}

async fn page_text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Posts the runs page's form that checks again what run `run` left undecided.
async fn retry_run(
    w: &common::World,
    client: &reqwest::Client,
    csrf: &str,
    run: i64,
) -> reqwest::Response {
    client
        .post(w.url("/ops/runs"))
        .form(&[
            ("csrf", csrf),
            ("scope", "inconclusive"),
            ("run", &run.to_string()),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_check_again_only_what_a_run_left_undecided() {
    let w = world("retry-run", |_| {}).await;
    let mut undecided = common::title_finding("云帆数据");
    undecided.status = beian_domain::Status::Inconclusive;
    let run = finished_run(
        &w,
        &[
            (w.a.filing_id, vec![undecided]),
            (w.b.filing_id, vec![common::title_finding("星海网络")]),
        ],
    )
    .await;

    let operator = session(&w, &w.operator).await;
    let page = page_text(&operator, w.url("/ops/runs")).await;
    let row = common::between(&page, &format!("id=\"run-{run}\""), "</tr>").expect("the run's row");
    assert!(
        row.contains("人工发起") && row.contains(&format!("id=\"retry-{run}\"")),
        "{row}"
    );
    let csrf = common::between(&page, "name=\"csrf\" value=\"", "\"").unwrap();
    assert!(row.contains(&format!("href=\"/ops/runs/{run}\"")), "{row}");

    // The run's own page: who started it, over what, failures per check, the retry.
    let detail = page_text(&operator, w.url(&format!("/ops/runs/{run}"))).await;
    for needle in [
        format!("核查批次 #{run}"),
        "system:test".to_owned(),
        "全部备案".to_owned(),
        "网站标题与备案网站名称不一致".to_owned(),
        format!("id=\"retry-{run}\""),
    ] {
        assert!(
            detail.contains(&needle),
            "{needle} missing from the run's page"
        );
    }
    assert!(!detail.contains("id=\"stalled\""));
    // A run started and counted whose jobs were never queued says so, and how to mend it.
    let stalled = w
        .store()
        .create_run(
            "sweep",
            &json!({"status": null}),
            2,
            &beian_store::Actor::system("test"),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let detail = page_text(&operator, w.url(&format!("/ops/runs/{stalled}"))).await;
    assert!(
        detail.contains("id=\"stalled\"")
            && detail.contains(&format!("beian run requeue {stalled}")),
        "the stalled run's page"
    );
    let missing = operator
        .get(w.url("/ops/runs/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A customer cannot start a run, nor see one.
    let customer = session(&w, &w.a.login).await;
    assert_ne!(retry_run(&w, &customer, "x", run).await.status(), 303);
    let theirs = customer
        .get(w.url(&format!("/ops/runs/{run}")))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 403);

    let resp = retry_run(&w, &operator, &csrf, run).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/ops/runs?msg=run");
    // The run is queued in the background: wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let retry = loop {
        let runs = w.store().list_runs(None, 10).await.unwrap();
        if let Some(r) = runs
            .items
            .iter()
            .find(|r| r.kind == beian_service::RETRY_RUN)
        {
            break r.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no retry run");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(
        (retry.total, retry.params["inconclusive_in"].as_i64()),
        (1, Some(run))
    );
    let queued = w
        .store()
        .inconclusive_filing_keys(run, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        queued.iter().map(|k| k.0).collect::<Vec<_>>(),
        [w.a.filing_id]
    );
    let trail = w
        .store()
        .audit_for(beian_store::Scope::All, &format!("run:{}", retry.id))
        .await
        .unwrap();
    assert_eq!(
        trail[0].actor,
        format!("operator:{}", w.operator),
        "the audit names the operator"
    );
    let detail = page_text(&operator, w.url(&format!("/ops/runs/{}", retry.id))).await;
    assert!(
        detail.contains("重查无法判断项")
            && detail.contains(&format!("href=\"/ops/runs/{run}\""))
            && detail.contains(&format!("operator:{}", w.operator)),
        "the retry run's page names what it retries and who started it"
    );

    // A run with nothing undecided offers no button and refuses the request.
    let clean = finished_run(&w, &[]).await;
    let page = page_text(&operator, w.url("/ops/runs")).await;
    assert!(!page.contains(&format!("id=\"retry-{clean}\"")));
    let resp = retry_run(&w, &operator, &csrf, clean).await;
    assert_eq!(resp.headers()["location"], "/ops/runs?msg=nothing_to_retry");
    let page = page_text(&operator, w.url("/ops/runs?msg=nothing_to_retry")).await;
    assert!(page.contains("没有无法判断的备案"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_starts_runs_for_staff_only() {
    let w = world("api-runs", |_| {}).await;
    let mut undecided = common::title_finding("云帆数据");
    undecided.status = beian_domain::Status::Inconclusive;
    let earlier = finished_run(&w, &[(w.a.filing_id, vec![undecided])]).await;
    let operator = token(&w, &w.operator).await;
    let customer = token(&w, &w.a.login).await;
    let http = reqwest::Client::new();
    let post = |token: &str, body: Value| {
        http.post(w.url("/api/v1/runs"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let answer = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    };

    let (status, body) = answer(post(&customer, json!({})).await.unwrap()).await;
    assert_eq!((status, &body["error"]["code"]), (403, &json!("forbidden")));
    let (status, retry) = answer(
        post(&operator, json!({"inconclusive_of": earlier}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "{retry}");
    assert_eq!(
        (&retry["kind"], &retry["total"]),
        (&json!("retry"), &json!(1))
    );
    let (status, all) = answer(post(&operator, json!({})).await.unwrap()).await;
    assert_eq!(
        (status, &all["kind"], &all["total"]),
        (202, &json!("sweep"), &json!(2))
    );
    let (status, some) = answer(
        post(&operator, json!({"status": "rectification"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &some["total"]), (202, &json!(2)), "{some}");

    for (bad, code) in [
        (json!({"status": "nonsense"}), 400),
        (json!({"status": "normal", "inconclusive_of": earlier}), 400),
        (json!({"inconclusive_of": 999_999}), 404),
        (json!({"scope": "all"}), 400),
    ] {
        let (status, body) = answer(post(&operator, bad.clone()).await.unwrap()).await;
        assert_eq!(status, code, "{bad}: {body}");
        assert!(body["error"]["message"].is_string(), "{bad}: {body}");
    }
    // The retry's one job is queued in the background, for the undecided filing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let key = format!("verify:{}:{}", retry["id"], w.a.filing_id);
    while queued_jobs(&w, &key).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the retry's job was never queued"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, list) = get(&http, w.url("/api/v1/runs"), &operator).await;
    assert_eq!(status, 200);
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == earlier)
        .expect("the earlier run")
        .clone();
    assert_eq!(listed["inconclusive"], 1, "{listed}");
}

/// Jobs with this dedupe key.
async fn queued_jobs(w: &common::World, key: &str) -> i64 {
    let pool = w
        .store()
        .sqlite_pool()
        .expect("the test world is on SQLite");
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE dedupe_key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A customer whose re-check could not be decided is told so on the order's page, with
/// when the next one is due; staff see the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecided_recheck_is_explained_on_the_order_page() {
    let w = world("undecided-recheck", |_| {}).await;
    let http = reqwest::Client::new();
    let ta = token(&w, &w.a.login).await;
    let order = w.a.order_id;
    let resp = http
        .post(w.url(&format!("/api/v1/orders/{order}/events")))
        .bearer_auth(&ta)
        .json(&json!({"kind": "request_recheck", "data": {"evidence": "已修改首页标题", "attachments": []}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let a = session(&w, &w.a.login).await;
    let url = w.url(&format!("/console/orders/{order}"));
    let page = page_text(&a, url.clone()).await;
    assert!(
        page.contains("正在复查"),
        "the usual hint before anything is undecided"
    );

    // The re-check queued on request is taken by a worker; it and the one after it could
    // not decide, and the third waits.
    let now = chrono::Utc::now();
    let queue = beian_service::worker::VERIFY_QUEUE;
    let taken = w
        .store()
        .claim(queue, "worker", chrono::Duration::seconds(60), now)
        .await
        .expect("claim")
        .expect("the re-check queued on request");
    w.store().complete(taken.id, "worker", now).await.unwrap();
    let due = now + chrono::Duration::minutes(20);
    let job = beian_service::worker::VerifyJob {
        run_id: 1,
        filing_id: w.a.filing_id,
        undecided: 2,
    };
    let queued = beian_service::worker::enqueue_recheck(w.store(), job, due, now)
        .await
        .expect("deferred re-check");
    assert!(
        matches!(queued, beian_store::Enqueued::New { .. }),
        "{queued:?}"
    );
    let shown = beian_server::views::beijing(due);
    let op = session(&w, &w.operator).await;
    for (client, url) in [(&a, url), (&op, w.url(&format!("/ops/orders/{order}")))] {
        let page = page_text(client, url.clone()).await;
        assert!(
            page.contains("复查已连续 2 次未能得出结论") && page.contains(&shown),
            "{url}: {page}"
        );
    }
    // The API says the same, as data.
    let (status, detail) = get(&http, w.url(&format!("/api/v1/orders/{order}")), &ta).await;
    assert_eq!(status, 200);
    assert_eq!(detail["deferred_recheck"]["undecided"], 2, "{detail}");
    let listed_due: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(detail["deferred_recheck"]["due"].clone()).expect("due");
    assert_eq!(listed_due.timestamp_millis(), due.timestamp_millis());
    // The operators' overview lists it among the re-checks no source answered for.
    let overview = page_text(&op, w.url("/ops")).await;
    let card = &overview[overview
        .find("id=\"undecided-rechecks\"")
        .expect("the card of undecided re-checks")..];
    assert!(
        card.contains(&format!("/ops/orders/{order}\"")) && card.contains("2 次"),
        "{card}"
    );
    assert!(card.contains(&shown), "{card}");
    // The day's record of re-checks is listed as such, and no page follows it as if it
    // were a run with an end.
    let runs = page_text(&op, w.url("/ops/runs")).await;
    assert!(
        runs.contains("整改复查") && runs.contains("记录中"),
        "{runs}"
    );
    assert!(runs.contains("已复查 "), "{runs}");
    assert!(!runs.contains("http-equiv=\"refresh\""), "{runs}");
    // B's order says nothing of A's filing.
    let b = session(&w, &w.b.login).await;
    let page = page_text(&b, w.url(&format!("/console/orders/{}", w.b.order_id))).await;
    assert!(!page.contains("未能得出结论"), "{page}");
}
