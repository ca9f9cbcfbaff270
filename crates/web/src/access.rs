//! Who may do what, and where: **the one place** where the access rules are written.
//!
//! * [`Role`]: the five roles of the issue, each with a stable code (stored) and a Chinese label (shown).
//! * [`Action`]: everything a route can do. Every route of the application names exactly one action
//!   (see `routes::ROUTES`), and its handler obtains the caller's [`Scope`] only through the
//!   [`crate::http::auth::Can`] extractor for that action, so a handler cannot forget the check.
//! * [`allows`]: the matrix. Nothing else in the crate decides whether a role may do an action; the
//!   access-control test walks every route with every role and derives the expected answer from this
//!   function.
//! * [`Scope`]: the area an account is bound to. Every read or write of registry data takes one; anything
//!   outside it answers 404 (never 403, so that existence is not disclosed) and writes an audit entry.

use jingzhun_core::AreaCode;
use serde::Serialize;

jingzhun_core::labeled_enum! {
    /// The roles of an account. The code is stored with the account and never changes.
    pub enum Role {
        VillageCadre = ("village_cadre", "村级信息员"),
        TownshipReviewer = ("township_reviewer", "乡镇审核员"),
        CountyApprover = ("county_approver", "县级审定员"),
        Analyst = ("analyst", "分析员"),
        Admin = ("admin", "系统管理员"),
    }
}

impl Role {
    /// The level of area an account of this role is bound to: a village cadre to a village, a township
    /// reviewer to a township, a county approver to a county; analysts and administrators to any level.
    /// A cadre bound to a county would see and edit a whole county's personal data.
    pub fn binds_to(self, level: jingzhun_core::AreaLevel) -> bool {
        use jingzhun_core::AreaLevel;
        match self {
            Role::VillageCadre => level == AreaLevel::Village,
            Role::TownshipReviewer => level == AreaLevel::Township,
            Role::CountyApprover => level == AreaLevel::County,
            Role::Analyst | Role::Admin => true,
        }
    }
}

/// What a request does. One per route; several routes may share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Home dashboard and indicator numbers of the account's area and the areas below it.
    ViewDashboard,
    /// The area tree below the account's area.
    ViewAreas,
    /// Household search (lists mask resident IDs and phone numbers).
    SearchHouseholds,
    /// A household page: members, incomes, status timeline (identity data masked).
    ViewHousehold,
    /// Full resident IDs and phone numbers on the household page, for roles that visit and decide.
    ViewPersonalData,
    /// The audit trail of a household.
    ViewAuditTrail,
    /// Edit a household's facts (contact, housing, water, members' schooling, health, labour, insurance):
    /// a new version based on the one the form showed.
    EditHousehold,
    /// Record a monitoring lead (线索).
    RecordLead,
    /// Record a home visit with consent and the data comparison of a case.
    RecordVisit,
    /// Record the village democratic review and print the public notice.
    VillageReview,
    /// Township review of a case.
    TownshipReview,
    /// County approval and announcement of a case.
    CountyApproval,
    /// Record an assistance measure, or end one.
    RecordMeasure,
    /// Pair an assisting cadre with a household (结对帮扶).
    AssignCadre,
    /// Download reports and exports (scoped like everything else).
    DownloadReports,
    /// Read the policy packs and run what-if evaluations.
    ViewPolicy,
    /// Read the parameters in force for one's area, with their sources (read only).
    ViewPolicyParams,
    /// Run a what-if (政策推演) over one's area: the engine re-evaluates every household under changed
    /// parameters. Reads only, but heavy; for the roles that analyse and set policy locally.
    RunWhatIf,
    /// Import spreadsheets into the registry.
    ImportData,
    /// Create accounts, reset passwords, disable accounts (within the admin's own area).
    ManageAccounts,
    /// The project library, funds, assets, work teams and settlements of one's area (read only).
    ViewProjects,
    /// Record a project's steps other than the county's (announcement, start, completion, hand-over).
    RecordProjectStep,
    /// Approve a project and accept it on completion (验收): the county only.
    ApproveProject,
    /// The warning lists (预警清单) of one's area, their JSON and their masked, audited XLSX download.
    ViewWarnings,
    /// Open or download a household's attachments (a signed 授权承诺书 carries ID numbers and signatures):
    /// the roles that see personal data.
    ViewAttachments,
    /// Upload an attachment (授权承诺书, visit or notice photo) to a household or one of its cases.
    UploadAttachment,
    /// Remove an attachment (recorded with a reason; the file stays in the household's history).
    RemoveAttachment,
}

impl Action {
    /// Every action, for tests that walk the matrix.
    pub const ALL: &'static [Action] = &[
        Action::ViewDashboard,
        Action::ViewAreas,
        Action::SearchHouseholds,
        Action::ViewHousehold,
        Action::ViewPersonalData,
        Action::ViewAuditTrail,
        Action::EditHousehold,
        Action::RecordLead,
        Action::RecordVisit,
        Action::VillageReview,
        Action::TownshipReview,
        Action::CountyApproval,
        Action::RecordMeasure,
        Action::AssignCadre,
        Action::DownloadReports,
        Action::ViewPolicy,
        Action::ViewPolicyParams,
        Action::RunWhatIf,
        Action::ImportData,
        Action::ManageAccounts,
        Action::ViewProjects,
        Action::RecordProjectStep,
        Action::ApproveProject,
        Action::ViewWarnings,
        Action::ViewAttachments,
        Action::UploadAttachment,
        Action::RemoveAttachment,
    ];
}

/// THE access matrix: whether `role` may perform `action` (within its area; the area is [`Scope`]'s
/// business). Change access here and nowhere else.
pub const fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        // Everyone signed in reads the numbers, the tree and the (masked) registry of their area.
        ViewDashboard | ViewAreas | SearchHouseholds | ViewHousehold => true,
        // The warning lists are read by everyone who reads the registry; the download masks identity data
        // for the roles without `ViewPersonalData`.
        ViewWarnings => true,
        // The rules' parameters are public policy: everyone reads them, with their sources.
        ViewPolicyParams => true,
        // Full identity data only for the roles that visit, review and decide.
        ViewPersonalData => matches!(role, VillageCadre | TownshipReviewer | CountyApprover),
        ViewAuditTrail => matches!(
            role,
            VillageCadre | TownshipReviewer | CountyApprover | Admin
        ),
        // Facts are kept up to date by the village and checked by the township.
        EditHousehold => matches!(role, VillageCadre | TownshipReviewer),
        // The monitoring workflow: each step by the level that owns it, no one else.
        RecordLead => matches!(role, VillageCadre | TownshipReviewer),
        RecordVisit | VillageReview => matches!(role, VillageCadre),
        TownshipReview => matches!(role, TownshipReviewer),
        CountyApproval => matches!(role, CountyApprover),
        RecordMeasure => matches!(role, VillageCadre | TownshipReviewer),
        // Pairings are organised by the township and the county (and kept by the administrator).
        AssignCadre => matches!(role, TownshipReviewer | CountyApprover | Admin),
        DownloadReports | ViewPolicy => {
            matches!(role, TownshipReviewer | CountyApprover | Analyst | Admin)
        }
        // What-if is analysis for the county and above: analysts, the county approvers who answer for the
        // county's lists, and administrators. Village and township staff work on households, not rules.
        RunWhatIf => matches!(role, Analyst | CountyApprover | Admin),
        // Spreadsheet imports write the registry of one's own area (a file with any household outside it is
        // refused whole): the village for its village, the township and the county for theirs, and the
        // administrator; never the read-only analyst.
        ImportData => matches!(
            role,
            VillageCadre | TownshipReviewer | CountyApprover | Admin
        ),
        ManageAccounts => matches!(role, Admin),
        // The project library is public information within one's area (公告公示).
        ViewProjects => true,
        // Projects are carried out by the township and the county; only the county approves and accepts.
        RecordProjectStep => matches!(role, TownshipReviewer | CountyApprover),
        ApproveProject => matches!(role, CountyApprover),
        // Attachments hold personal data (IDs and signatures on the consent, faces and homes on photos).
        ViewAttachments => matches!(role, VillageCadre | TownshipReviewer | CountyApprover),
        // Filed by the village (visits, notices) and the township (its review); removed by the same.
        UploadAttachment | RemoveAttachment => matches!(role, VillageCadre | TownshipReviewer),
    }
}

/// The area an account may see and act in: its own area and everything below it.
///
/// A `Scope` is built only from a signed-in account (by [`crate::http::auth`]); handlers receive it from the
/// [`crate::http::auth::Can`] extractor and pass it to every service call that reads or writes registry data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    area: AreaCode,
}

impl Scope {
    pub(crate) fn new(area: AreaCode) -> Self {
        Self { area }
    }

    /// The account's own area: the root of everything it may see.
    pub fn area(&self) -> AreaCode {
        self.area
    }

    /// Whether `code` is the scope's area or lies below it.
    pub fn contains(&self, code: &AreaCode) -> bool {
        self.area.contains(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_stable_code_and_label() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(*r));
            assert_eq!(Role::from_label(r.label()), Some(*r));
        }
    }

    #[test]
    fn workflow_steps_belong_to_exactly_one_level() {
        let only = |a: Action| -> Vec<Role> {
            Role::ALL
                .iter()
                .copied()
                .filter(|r| allows(*r, a))
                .collect()
        };
        assert_eq!(only(Action::TownshipReview), vec![Role::TownshipReviewer]);
        assert_eq!(only(Action::CountyApproval), vec![Role::CountyApprover]);
        assert_eq!(only(Action::VillageReview), vec![Role::VillageCadre]);
        assert_eq!(only(Action::ManageAccounts), vec![Role::Admin]);
        assert!(!allows(Role::Analyst, Action::ViewPersonalData));
        for a in Action::ALL {
            if !matches!(
                a,
                Action::ViewDashboard
                    | Action::ViewAreas
                    | Action::SearchHouseholds
                    | Action::ViewHousehold
                    | Action::DownloadReports
                    | Action::ViewPolicy
                    | Action::ViewPolicyParams
                    | Action::RunWhatIf
                    | Action::ViewProjects
                    | Action::ViewWarnings
            ) {
                assert!(!allows(Role::Analyst, *a), "analyst is read only: {a:?}");
            }
        }
    }

    #[test]
    fn editing_needs_the_personal_data_it_shows() {
        // The edit form shows full phone numbers and members' health.
        for r in Role::ALL {
            if allows(*r, Action::EditHousehold) {
                assert!(allows(*r, Action::ViewPersonalData), "{r:?}");
            }
        }
    }

    #[test]
    fn attachments_are_opened_only_by_roles_that_see_personal_data() {
        for r in Role::ALL {
            if allows(*r, Action::ViewAttachments) {
                assert!(allows(*r, Action::ViewPersonalData), "{r:?}");
            }
            // Whoever files or removes an attachment can open it.
            for a in [Action::UploadAttachment, Action::RemoveAttachment] {
                if allows(*r, a) {
                    assert!(allows(*r, Action::ViewAttachments), "{r:?} {a:?}");
                }
            }
        }
        assert!(!allows(Role::Analyst, Action::ViewAttachments));
        assert!(!allows(Role::Admin, Action::ViewAttachments));
    }

    #[test]
    fn importing_is_for_the_levels_that_keep_the_registry() {
        let importers: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| allows(*r, Action::ImportData))
            .collect();
        assert_eq!(
            importers,
            vec![
                Role::VillageCadre,
                Role::TownshipReviewer,
                Role::CountyApprover,
                Role::Admin
            ]
        );
    }

    #[test]
    fn scope_is_a_prefix_test() {
        let township = AreaCode::parse("511902001").unwrap();
        let scope = Scope::new(township);
        assert!(scope.contains(&AreaCode::parse("511902001001").unwrap()));
        assert!(scope.contains(&township));
        assert!(!scope.contains(&AreaCode::parse("511902002001").unwrap()));
        assert!(!scope.contains(&AreaCode::parse("511902").unwrap()));
    }
}
