//! The household page on a phone (issue 13 §5) and an attachment uploaded and shown (§6), in a real
//! browser (see `browser.rs` for the driver): at 390 × 844 the navigation folds behind a menu button and
//! takes a small strip of the screen, the household page is titled by the head's name, fits the width (no
//! sideways scrolling, lists as stacked cards, members as cards), its sections fold; a village cadre files
//! a signed consent photo from the phone and sees it on the page; on a desktop window a township reviewer
//! sees it too, with the navigation open. Screenshots under `target/browser-screenshots/` (40–45).

use std::io::Write;

use jingzhun_core::Relationship;
use jingzhun_web::Role;
use serde_json::{json, Value};

use crate::browser::{have_chromedriver, overflows, serve, Driver};
use crate::support::*;

/// A real `w` × `h` PNG picture (an image the browser decodes).
fn png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend([180, (x * 4 % 256) as u8, (y * 4 % 256) as u8]);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let idat = z.finish().unwrap();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn script(d: &Driver, js: &str) -> Value {
    d.post("/execute/sync", json!({"script": js, "args": []}))
}

/// The page's layout facts a phone user would notice.
fn layout(d: &Driver) -> Value {
    script(
        d,
        "var nav = document.getElementById('nav'); var menu = document.getElementById('menu-button'); \
         var header = document.querySelector('header.top'); \
         var wide = []; document.querySelectorAll('.card, table').forEach(function (c) { \
           if (c.scrollWidth > c.clientWidth + 1) wide.push((c.id || c.className) + ' ' + c.scrollWidth + '>' + c.clientWidth); }); \
         return { viewport: window.innerWidth, height: window.innerHeight, \
                  scroll_width: document.documentElement.scrollWidth, \
                  header: header.getBoundingClientRect().height, \
                  nav_shown: nav.getClientRects().length > 0, \
                  menu_shown: menu.getClientRects().length > 0, \
                  wide: wide, title: document.title };",
    )
}

#[test]
fn a_cadre_on_a_phone_reads_a_household_and_files_a_signed_consent_that_is_shown() {
    if !have_chromedriver() {
        let required = std::env::var("JINGZHUN_BROWSER_TEST").is_ok_and(|v| v == "require");
        assert!(
            !required,
            "JINGZHUN_BROWSER_TEST=require but chromedriver is missing"
        );
        eprintln!("skipped: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    }
    let world = World::new();
    let h = world.household_in;
    let head = world
        .db(|s| s.household(h))
        .unwrap()
        .household
        .members
        .iter()
        .find(|m| m.relationship == Relationship::Head)
        .unwrap()
        .name
        .to_string();
    let app = serve(&world);
    let d = Driver::start_sized(390, 844).expect("chromedriver starts");
    // Headless Chromium keeps windows at least 500 px wide: the phone's screen is emulated instead.
    d.post(
        "/goog/cdp/execute",
        json!({"cmd": "Emulation.setDeviceMetricsOverride",
               "params": {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}}),
    );
    d.sign_in(&app, &username(Role::VillageCadre));

    // The navigation folds behind the menu button and leaves the screen to the work.
    let l = layout(&d);
    let viewport = l["viewport"].as_f64().unwrap();
    assert_eq!(viewport, 390.0, "a phone's width: {l}");
    assert_eq!(l["nav_shown"], false, "{l}");
    assert_eq!(l["menu_shown"], true, "{l}");
    let header = l["header"].as_f64().unwrap();
    assert!(
        header * 10.0 < l["height"].as_f64().unwrap(),
        "the header takes less than a tenth of the screen: {l}"
    );
    assert!(!overflows(&d), "the dashboard fits: {l}");
    d.screenshot("40-phone-dashboard-menu-folded");
    d.click("#menu-button");
    assert_eq!(layout(&d)["nav_shown"], true);
    d.screenshot("41-phone-menu-open");

    // The household page: the head's name as title, the width of the phone, members as cards.
    d.goto(&format!("{app}/households/{}", h.0));
    d.find("#hh-title");
    let l = layout(&d);
    assert!(d.text("#hh-title").starts_with(&head), "{l}");
    assert!(l["title"].as_str().unwrap().starts_with(&head), "{l}");
    assert!(
        l["scroll_width"].as_f64().unwrap() <= viewport,
        "no sideways scrolling: {l}"
    );
    assert_eq!(
        l["wide"],
        json!([]),
        "nothing scrolls sideways inside the page"
    );
    let cards = script(
        &d,
        "var tr = document.querySelector('#members tbody tr'); var td = tr.querySelector('td:nth-child(2)'); \
         return [getComputedStyle(tr).display, getComputedStyle(td, '::before').content, \
                 document.querySelector('#members thead').getClientRects().length];",
    );
    assert_eq!(cards[0], "block", "a member is a card: {cards}");
    assert!(
        cards[1].as_str().unwrap().contains("与户主关系"),
        "each field labelled: {cards}"
    );
    assert_eq!(cards[2], 0, "no header row: {cards}");
    let folded = script(
        &d,
        "return [document.getElementById('members').open, document.getElementById('timeline').open, \
                 document.getElementById('attachments').open];",
    );
    assert_eq!(
        folded,
        json!([true, false, false]),
        "sections fold on a phone"
    );
    let long = script(&d, "return document.documentElement.scrollHeight;");
    d.screenshot("42-phone-household");

    // A signed consent photographed on the phone, filed with the household.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("授权承诺书.png");
    std::fs::write(&path, png(64, 48)).unwrap();
    d.click("a[href='#attachments']");
    d.find("#no-attachments");
    d.click("#att-kind option[value=consent]");
    let input = d.find("#att-file");
    d.post(
        &format!("/element/{input}/value"),
        json!({ "text": path.display().to_string() }),
    );
    d.type_into("#att-note", "户主签字，入户核实时拍摄");
    d.screenshot("43-phone-attachment-form");
    d.click("#upload-attachment button[type=submit]");
    d.find("#attachment-list li.attachment img");
    picture_loaded(&d);
    let shown = script(
        &d,
        "var img = document.querySelector('#attachment-list li.attachment img'); \
         return [img.complete, img.naturalWidth, img.naturalHeight, document.getElementById('attachments').open];",
    );
    assert_eq!(
        shown,
        json!([true, 64, 48, true]),
        "the picture is shown, its section open"
    );
    let item = d.text("#attachment-list li.attachment");
    assert!(
        item.contains("授权承诺书") && item.contains("户主签字"),
        "{item}"
    );
    assert!(!overflows(&d), "still the phone's width");
    d.screenshot("44-phone-attachment-shown");
    assert!(
        long.as_f64().unwrap() < 4_000.0,
        "the folded household page is short: {long} px"
    );
    d.sign_out();
    drop(d);

    // On a desktop window the township reviewer sees the navigation open and the consent on the page.
    let d = Driver::start_sized(1280, 900).expect("chromedriver starts");
    d.sign_in(&app, &username(Role::TownshipReviewer));
    d.goto(&format!("{app}/households/{}#attachments", h.0));
    d.find("#attachment-list li.attachment img");
    picture_loaded(&d);
    let l = layout(&d);
    assert_eq!(l["nav_shown"], true, "{l}");
    assert_eq!(l["menu_shown"], false, "{l}");
    let loaded = script(
        &d,
        "var img = document.querySelector('#attachment-list li.attachment img'); \
         return img.complete && img.naturalWidth === 64;",
    );
    assert_eq!(loaded, true);
    d.screenshot("45-desktop-household-attachment");
}

/// Waits (up to 30 s) until the attachment's picture has loaded: the page is there before its image, and
/// on a busy machine the image request (a scoped, audited read) can take a moment longer.
fn picture_loaded(d: &Driver) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let done = script(
            d,
            "var img = document.querySelector('#attachment-list li.attachment img'); \
             return img !== null && img.complete && img.naturalWidth > 0;",
        );
        if done == json!(true) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the attachment's picture never loaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
