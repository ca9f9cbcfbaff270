//! Stored evaluation runs.

use chrono::DateTime;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

both!(fn runs_round_trip_with_proposals(db) {
    let (id, _) = db
        .store
        .create_household(&household(0, "511902101001"), &[], d("2014-10-01"), &actor(), "x")
        .unwrap();
    let run = EvaluationRun {
        year: 2023,
        as_of: d("2023-12-31"),
        pack_version: "sichuan-2023.1".into(),
        pack_hash: "ab12".repeat(16),
        code_version: "0.1.0+abc".into(),
        data_time: DateTime::parse_from_rfc3339("2024-01-02T03:04:05.678901Z").unwrap().to_utc(),
        summary_json: r#"{"监测对象":12,"households":1}"#.into(),
    };
    let proposals: Vec<ProposalRecord> = (0..1_500)
        .map(|i| ProposalRecord {
            household_id: id,
            kind: if i % 2 == 0 { "identify_monitoring" } else { "eliminate_risk" }.into(),
            detail_json: format!(r#"{{"i":{i}}}"#),
        })
        .collect();
    let run_id = db.store.save_evaluation(&run, &mut proposals.clone().into_iter()).unwrap();
    let mut back = Vec::new();
    let n = db
        .store
        .evaluation_proposals(run_id, &mut |p| {
            back.push(p);
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 1_500);
    assert_eq!(back, proposals);
    let runs = db.store.evaluation_runs().unwrap();
    assert_eq!(runs, [(run_id, run.clone())]);
    assert_eq!(db.raw_i64("SELECT count(*) FROM evaluation_proposals"), 1_500);
    let second = db.store.save_evaluation(&run, &mut std::iter::empty()).unwrap();
    assert!(second > run_id);
    let log = db
        .store
        .audit_entries(&AuditFilter { entity: Some("evaluation_run".into()), ..Default::default() })
        .unwrap();
    assert_eq!(log.len(), 2);
    assert!(log[1].detail.contains("\"proposals\":1500"), "{}", log[1].detail);

    // A proposal for an unknown household fails the whole save (foreign key), leaving no run behind.
    let bad = ProposalRecord { household_id: HouseholdId(999_999), kind: "x".into(), detail_json: "{}".into() };
    assert!(db.store.save_evaluation(&run, &mut std::iter::once(bad)).is_err());
    assert_eq!(db.store.evaluation_runs().unwrap().len(), 2);
});
