//! Throughput of `analyze` on realistic ~50 KB Chinese pages, one core.
//!
//! `cargo bench -p beian-page` prints pages/s and MB/s for a UTF-8 page and a GBK page, and,
//! measured in the same run, a baseline that only decodes the bytes with encoding_rs and
//! counts `<` in a plain loop: the floor any analysis must pay. The ratio says how much the
//! tokenizer, text building and number extraction cost on top of that floor.

use std::hint::black_box;
use std::time::{Duration, Instant};

use beian_domain::ident::extract::extract_all_numbers;
use beian_page::analyze;

const SENTENCES: &[&str] = &[
    "我们致力于为企业客户提供安全、稳定、高效的云计算服务。",
    "公司成立于二〇一〇年，总部位于北京市海淀区中关村科技园区。",
    "经过多年发展，已在全国设立二十余家分支机构，服务客户超过十万家。",
    "产品涵盖云服务器、对象存储、内容分发网络、数据库与人工智能平台。",
    "我们坚持以客户为中心，以技术创新驱动业务发展，持续提升服务质量。",
    "公司通过了信息安全管理体系认证，并获得多项软件著作权与发明专利。",
    "如需了解更多信息，请拨打客服热线或发送邮件至客服邮箱，我们将竭诚为您服务。",
    "本站部分内容来源于网络，如有侵权请联系我们删除。",
];

/// A page of about `target` bytes of UTF-8: head, nav, articles, an inline script, footer.
fn page(meta_charset: &str, target: usize) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<title>北京某某云计算科技有限公司 - 官方网站</title>\n\
         <meta name=\"keywords\" content=\"云计算,云服务器,对象存储,CDN\">\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset={meta_charset}\">\n\
         <link rel=\"stylesheet\" href=\"/static/css/main.css\">\n\
         <style>body{{font-family:\"Microsoft YaHei\",sans-serif}} .footer{{text-align:center;color:#999}}</style>\n\
         </head>\n<body>\n<div class=\"header\"><ul class=\"nav\">"
    );
    for (i, item) in [
        "首页",
        "产品中心",
        "解决方案",
        "客户案例",
        "新闻动态",
        "关于我们",
        "联系我们",
    ]
    .iter()
    .enumerate()
    {
        html.push_str(&format!("<li><a href=\"/c{i}/index.html\">{item}</a></li>"));
    }
    html.push_str("</ul></div>\n<div class=\"main\">\n");
    let mut seed: u32 = 12345;
    let mut article = 0;
    while html.len() < target.saturating_sub(3000) {
        article += 1;
        html.push_str(&format!(
            "<div class=\"article\"><h3><a href=\"/news/{article}.html\" title=\"新闻{article}\">公司新闻第{article}期</a></h3>\n"
        ));
        for _ in 0..3 {
            html.push_str("<p>");
            for _ in 0..4 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                html.push_str(SENTENCES[(seed >> 16) as usize % SENTENCES.len()]);
            }
            html.push_str("&nbsp;<span class=\"date\">2024-05-01</span></p>\n");
        }
        html.push_str("<!-- 文章结束 --></div>\n");
    }
    html.push_str(
        "</div>\n<script type=\"text/javascript\">\n\
         var _hmt = _hmt || [];\n(function() {\n  var hm = document.createElement(\"script\");\n\
         hm.src = \"https://hm.baidu.com/hm.js?0123456789abcdef\";\n\
         var s = document.getElementsByTagName(\"script\")[0];\n  s.parentNode.insertBefore(hm, s);\n\
         for (var i = 0; i < 10; i++) { if (i < 5 && i > 2) { console.log('<p>' + i); } }\n})();\n</script>\n\
         <div class=\"footer\">\n<p>Copyright &copy; 2010-2024 北京某某云计算科技有限公司 版权所有</p>\n\
         <p>地址：北京市海淀区中关村大街1号 电话：010-12345678</p>\n\
         <p><a href=\"https://beian.miit.gov.cn/\" target=\"_blank\">京ICP备2024000001号-1</a>&nbsp;\
         <a href=\"https://beian.mps.gov.cn/#/query/webSearch?code=11010802000001\" target=\"_blank\">\
         <img src=\"/static/img/ga.png\">京公网安备11010802000001号</a>&nbsp;增值电信业务经营许可证：京B2-20240001</p>\n\
         </div>\n</body>\n</html>\n",
    );
    html
}

/// Runs `f` for about `time` after a short warm-up; returns the iterations per second.
fn rate(time: Duration, mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(300) {
        f();
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < time {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn baseline(bytes: &[u8], encoding: &'static encoding_rs::Encoding) -> usize {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let mut lt = 0;
    for &b in text.as_bytes() {
        if b == b'<' {
            lt += 1;
        }
    }
    lt
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args; keep it short then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let time = Duration::from_millis(if quick { 200 } else { 2000 });

    let utf8 = page("utf-8", 50_000).into_bytes();
    // GBK spends two bytes per hanzi where UTF-8 spends three: grow the page until its GBK
    // bytes reach the same size.
    let mut target = 50_000;
    let gbk = loop {
        let bytes = encoding_rs::GBK
            .encode(&page("gb2312", target))
            .0
            .into_owned();
        if bytes.len() >= 48_000 {
            break bytes;
        }
        target += 5_000;
    };
    if let Some(dir) = std::env::var_os("BEIAN_BENCH_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        let _ = std::fs::write(dir.join("bench_utf8.html"), &utf8);
        let _ = std::fs::write(dir.join("bench_gbk.html"), &gbk);
    }

    println!(
        "beian-page analyze, 1 thread, {} s per measurement",
        time.as_secs_f64()
    );
    for (name, bytes, encoding) in [
        ("UTF-8", &utf8, encoding_rs::UTF_8),
        ("GBK", &gbk, encoding_rs::GBK),
    ] {
        let page = analyze(bytes, None);
        assert_eq!(page.charset, encoding.name(), "{name}: charset");
        assert!(
            page.text.contains("京ICP备2024000001号-1"),
            "{name}: footer text"
        );
        let mb = bytes.len() as f64 / 1e6;
        let pages = rate(time, || {
            black_box(analyze(black_box(bytes), None));
        });
        let floor = rate(time, || {
            black_box(baseline(black_box(bytes), encoding));
        });
        println!(
            "{name:>5} page {:>6} bytes ({} bytes of visible text, {} numbers): \
             analyze {:>6.0} pages/s {:>6.1} MB/s ({:.3} ms/page) | \
             baseline decode+scan {:>6.0} pages/s {:>7.1} MB/s | analyze takes {:.1}x the baseline",
            bytes.len(),
            page.text.len(),
            page.numbers.len(),
            pages,
            pages * mb,
            1000.0 / pages,
            floor,
            floor * mb,
            floor / pages,
        );

        // Where the time goes, stage by stage.
        let html = beian_page::charset::decode(bytes, None).text.into_owned();
        let ms = |f: &mut dyn FnMut()| 1000.0 / rate(time / 3, f);
        let t_decode = ms(&mut || {
            black_box(beian_page::charset::decode(black_box(bytes), None));
        });
        let t_html = ms(&mut || {
            black_box(beian_page::html::extract(black_box(&html)));
        });
        let t_numbers = ms(&mut || {
            black_box(extract_all_numbers(black_box(&page.text)));
        });
        println!(
            "{:>5} stages: decode {t_decode:.3} ms, html (tokenizer + text) {t_html:.3} ms, \
             number extraction {t_numbers:.3} ms",
            ""
        );
    }
}
