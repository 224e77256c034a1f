//! A small reader for comma-separated numbers with a header line: no quoting, no missing
//! values, which is all a table of pixels or measurements needs.

use super::DataError;

/// The columns of a table, split into features and labels.
pub(super) struct Table {
    pub(super) feature_names: Vec<String>,
    pub(super) label_name: String,
    /// Row-major, `feature_names.len()` per row.
    pub(super) features: Vec<f32>,
    pub(super) labels: Vec<usize>,
}

/// Parses `text`; `features` is the number of feature columns required (`None`: any),
/// and every label must be below `classes`.
pub(super) fn parse(
    text: &str,
    label_column: &str,
    features: Option<usize>,
    classes: usize,
) -> Result<Table, DataError> {
    // Lines are numbered from 1; blank lines (a trailing one, say) are skipped.
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or(DataError::Empty)?;
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_owned()).collect();
    let label_at = columns
        .iter()
        .position(|c| c == label_column)
        .ok_or_else(|| DataError::NoLabelColumn {
            name: label_column.to_owned(),
            columns: columns.clone(),
        })?;
    let n_features = columns.len() - 1;
    if let Some(expected) = features.filter(|&n| n != n_features) {
        return Err(DataError::FeatureCount {
            expected,
            found: n_features,
        });
    }

    let mut table = Table {
        feature_names: columns
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != label_at)
            .map(|(_, c)| c.clone())
            .collect(),
        label_name: columns[label_at].clone(),
        features: Vec::new(),
        labels: Vec::new(),
    };
    for (line, row) in lines {
        let mut found = 0;
        for (i, field) in row.split(',').enumerate() {
            found += 1;
            let Some(name) = columns.get(i) else { continue };
            let field = field.trim();
            let bad = |expected| DataError::Parse {
                line,
                column: i + 1,
                name: name.clone(),
                text: field.to_owned(),
                expected,
            };
            if i == label_at {
                let label: usize = field.parse().map_err(|_| bad("a class index"))?;
                if label >= classes {
                    return Err(DataError::LabelOutOfRange {
                        line,
                        column: i + 1,
                        label,
                        classes,
                    });
                }
                table.labels.push(label);
            } else {
                let x: f32 = field.parse().map_err(|_| bad("a number"))?;
                if !x.is_finite() {
                    return Err(bad("a finite number"));
                }
                table.features.push(x);
            }
        }
        if found != columns.len() {
            return Err(DataError::ColumnCount {
                line,
                expected: columns.len(),
                found,
            });
        }
    }
    Ok(table)
}
