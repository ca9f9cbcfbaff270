//! The `jingzhun` binary as a user runs it: one integration-test binary, one module per command group.

mod areas;
mod audit;
mod check;
mod consistency;
mod demo;
mod economy;
mod import;
mod messages;
mod parquet;
mod report;
mod synth;
mod warnings;

use assert_cmd::Command;

/// A fresh SQLite database in a temporary folder, and a way to run the binary against it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn db(&self) -> String {
        self.dir.path().join("jingzhun.db").display().to_string()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("jingzhun").expect("binary");
        cmd.arg("--db")
            .arg(self.db())
            .args(args)
            .env("JINGZHUN_ACTOR", "tester");
        cmd
    }

    pub fn run_ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn initialised() -> Self {
        let ws = Self::empty();
        ws.run_ok(&["init"]);
        ws
    }
}
