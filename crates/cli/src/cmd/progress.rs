//! Progress bars for long steps, drawn on standard error so that standard output stays machine-readable.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting `unit`s towards an expected total.
pub fn bar(message: &str, total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!("{{msg:12}} [{{bar:32}}] {{human_pos:>9}}/{{human_len:9}} {unit} {{per_sec:>12}} 剩余 {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_owned());
    bar
}

/// A spinner for a step whose length is not known in advance.
pub fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Progress of the shared loader ([`jingzhun_loader::Progress`]) as bars.
#[derive(Default)]
pub struct Bars(Option<ProgressBar>);

impl jingzhun_loader::Progress for Bars {
    fn start(&mut self, label: &str, total: u64, unit: &str) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
        self.0 = Some(bar(label, total, unit));
    }

    fn set(&mut self, done: u64) {
        if let Some(b) = &self.0 {
            b.set_position(done);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
    }

    fn note(&mut self, text: &str) {
        eprintln!("{text}");
    }
}
