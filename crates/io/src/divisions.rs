//! Administrative division tables in the shape of the statistical division files (`provinces.csv`,
//! `cities.csv`, `areas.csv`, `streets.csv`, `villages.csv`: a `code` and a `name` column, plus parent-code
//! columns that are ignored because the code itself says where an area belongs).
//!
//! Sichuan's tables ship inside the binary; another province's are read from a folder or a single file.

use std::path::{Path, PathBuf};

use jingzhun_core::{Area, AreaCode, AreaLevel, Settlement};

use crate::text_file::decode;

/// The five file names of a division folder, from the top level down.
pub const DIVISION_FILES: [&str; 5] = [
    "provinces.csv",
    "cities.csv",
    "areas.csv",
    "streets.csv",
    "villages.csv",
];

#[derive(Debug, thiserror::Error)]
pub enum DivisionError {
    #[error("无法读取「{path}」: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("「{file}」第 {row} 行: {reason}")]
    Row {
        file: String,
        row: usize,
        reason: String,
    },
    #[error("「{file}」缺少必需的列「{column}」(表头须含 code 和 name, 或 代码 和 名称)")]
    MissingColumn { file: String, column: &'static str },
    #[error("「{0}」中没有找到任何区划文件(应为 provinces.csv、cities.csv、areas.csv、streets.csv、villages.csv 之一或多个)")]
    NoFiles(PathBuf),
}

/// Sichuan's division tree (NBS 2023 statistical codes), as shipped in `data/areas/sichuan`.
pub fn sichuan() -> Result<Vec<Area>, DivisionError> {
    const FILES: [(&str, &str); 5] = [
        (
            "provinces.csv",
            include_str!("../../../data/areas/sichuan/provinces.csv"),
        ),
        (
            "cities.csv",
            include_str!("../../../data/areas/sichuan/cities.csv"),
        ),
        (
            "areas.csv",
            include_str!("../../../data/areas/sichuan/areas.csv"),
        ),
        (
            "streets.csv",
            include_str!("../../../data/areas/sichuan/streets.csv"),
        ),
        (
            "villages.csv",
            include_str!("../../../data/areas/sichuan/villages.csv"),
        ),
    ];
    let mut areas = Vec::new();
    for (name, text) in FILES {
        parse_division_csv(name, text, &mut areas)?;
    }
    Ok(areas)
}

/// Reads a folder holding some of the five division files, or one such file.
pub fn read_division_path(path: &Path) -> Result<Vec<Area>, DivisionError> {
    let io_err = |source| DivisionError::Io {
        path: path.to_owned(),
        source,
    };
    let mut areas = Vec::new();
    if path.is_dir() {
        let mut found = false;
        for name in DIVISION_FILES {
            let file = path.join(name);
            if file.exists() {
                found = true;
                let bytes = std::fs::read(&file).map_err(|source| DivisionError::Io {
                    path: file.clone(),
                    source,
                })?;
                parse_division_csv(&file.display().to_string(), &decode(&bytes).0, &mut areas)?;
            }
        }
        if !found {
            return Err(DivisionError::NoFiles(path.to_owned()));
        }
    } else {
        let bytes = std::fs::read(path).map_err(io_err)?;
        parse_division_csv(&path.display().to_string(), &decode(&bytes).0, &mut areas)?;
    }
    Ok(areas)
}

/// Parses one division CSV (any level, or levels mixed), appending to `out`. Every row is checked; the first
/// bad row is reported with its line number.
pub fn parse_division_csv(
    file: &str,
    text: &str,
    out: &mut Vec<Area>,
) -> Result<(), DivisionError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let row_err = |row: usize, reason: String| DivisionError::Row {
        file: file.to_owned(),
        row,
        reason,
    };
    let headers = reader
        .headers()
        .map_err(|e| row_err(1, e.to_string()))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&jingzhun_core::text::normalize(h).as_str()))
    };
    let code_col = column(&["code", "代码", "区划代码"]).ok_or(DivisionError::MissingColumn {
        file: file.to_owned(),
        column: "code",
    })?;
    let name_col = column(&["name", "名称"]).ok_or(DivisionError::MissingColumn {
        file: file.to_owned(),
        column: "name",
    })?;
    for (i, record) in reader.records().enumerate() {
        let row = i + 2; // header is line 1
        let record = record.map_err(|e| row_err(row, e.to_string()))?;
        let raw_code = record.get(code_col).unwrap_or_default();
        let code = AreaCode::parse(raw_code).map_err(|e| row_err(row, e.to_string()))?;
        let name = jingzhun_core::text::normalize(record.get(name_col).unwrap_or_default());
        if name.is_empty() {
            return Err(row_err(row, format!("区划「{code}」的名称为空")));
        }
        let settlement = (code.level() == AreaLevel::Village).then(|| Settlement::from_name(&name));
        out.push(Area {
            code,
            name,
            settlement,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhun_core::AreaTree;

    #[test]
    fn shipped_sichuan_tree_has_bazhong_as_published() {
        let tree = AreaTree::new(sichuan().unwrap()).unwrap();
        let bazhong = AreaCode::parse("5119").unwrap();
        assert_eq!(tree.get(&bazhong).unwrap().name, "巴中市");
        assert_eq!(tree.within_at_level(&bazhong, AreaLevel::County).count(), 5);
        assert_eq!(
            tree.within_at_level(&bazhong, AreaLevel::Township).count(),
            139
        );
        let villages: Vec<_> = tree.within_at_level(&bazhong, AreaLevel::Village).collect();
        assert_eq!(villages.len(), 1809);
        assert_eq!(
            villages.iter().filter(|a| a.is_rural_village()).count(),
            1316
        );
        let counties: Vec<_> = tree
            .children(&bazhong)
            .iter()
            .map(|c| tree.get(c).unwrap().name.as_str())
            .collect();
        assert_eq!(counties, ["巴州区", "恩阳区", "通江县", "南江县", "平昌县"]);
    }

    #[test]
    fn parent_resolution_across_all_levels_on_the_shipped_tree() {
        let tree = AreaTree::new(sichuan().unwrap()).unwrap();
        for village in tree
            .areas()
            .filter(|a| a.code.level() == AreaLevel::Village)
        {
            let mut code = village.code;
            while let Some(parent) = code.parent() {
                let p = tree.get(&parent).unwrap();
                assert!(p.code.contains(&village.code));
                code = parent;
            }
            assert_eq!(code.as_str(), "51");
        }
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let mut out = Vec::new();
        let err =
            parse_division_csv("x.csv", "code,name\n5119,巴中市\n51a9,坏\n", &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "「x.csv」第 3 行: 行政区划代码「51a9」只能包含数字"
        );
        let err = parse_division_csv("y.csv", "id,title\n", &mut out).unwrap_err();
        assert!(matches!(
            err,
            DivisionError::MissingColumn { column: "code", .. }
        ));
    }

    #[test]
    fn reads_a_folder_and_a_gbk_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("provinces.csv"),
            "code,name\n52,\"贵州省\"\n",
        )
        .unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode("code,name,provinceCode\n5201,贵阳市,52\n");
        std::fs::write(dir.path().join("cities.csv"), &gbk).unwrap();
        let areas = read_division_path(dir.path()).unwrap();
        assert_eq!(areas.len(), 2);
        assert_eq!(areas[1].name, "贵阳市");
        assert!(matches!(
            read_division_path(&dir.path().join("nope")),
            Err(DivisionError::Io { .. })
        ));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_division_path(empty.path()),
            Err(DivisionError::NoFiles(_))
        ));
    }
}
