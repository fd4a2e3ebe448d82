//! The public vector-packing benchmark format: `.vbp` instance files (one bin type of
//! price 1, d resources) and the tab-separated summary of known optima and of the best
//! published heuristics. An instance becomes the engine's generic problem unchanged, but
//! for negative weights, which [`VbpInstance`] lowers to bin types of their own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::{BinType, Item, Packing, Problem};

/// Why a `.vbp` or summary file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VbpError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {cause}")]
    Format { file: PathBuf, line: u64, cause: String },
}

impl From<VbpError> for crate::input::InputErrors {
    /// A file that cannot be read is bad input, reported like any other.
    fn from(e: VbpError) -> Self {
        let (file, line, cause) = match e {
            VbpError::Io { file, source } => (file, 0, format!("cannot read: {source}")),
            VbpError::Format { file, line, cause } => (file, line, cause),
        };
        crate::input::InputErrors(vec![crate::input::Diagnostic {
            file: file.display().to_string(),
            line,
            column: 0,
            cause,
            fix: "give a file in the vector-packing format: d; d capacities; m; m lines `w_1 … w_d demand` (summaries: tab-separated with instance_name, LB, OPT)".into(),
        }])
    }
}

/// Fitting sets of negative items get a bin type each while there are at most this many;
/// beyond, only single ones do, and the engine's bound no longer bounds the file's problem.
const MOST_NEGATIVE_SETS: usize = 64;
/// Sets of negative items are enumerated from at most this many such items.
const MOST_NEGATIVE_ITEMS: usize = 12;

/// A `.vbp` instance as the engine reads it.
///
/// Some published instances (the Caprara triplets) give a few items negative weights: such
/// an item frees room in the bin that holds it, and the planted optimum fills every bin
/// exactly with them. The engine's sizes are not negative, so the reader lowers them, exactly:
/// each item with a negative weight becomes a copy of its own, sized by its positive
/// weights, and each set `S` of such copies that fits in one bin gets a bin type with the
/// capacity raised by their negative weights, of price `1 + M·|S|`, the only types the
/// copies of `S` may use. A bin of that type holding all of `S` is a bin of the file holding
/// them. Covering each negative copy costs `M` at least, so every plan costs `M·k` (`k`
/// negative copies) more than its bins, and `M` larger than the number of copies makes a
/// bin of a set's type without all of the set dearer than any plan that does without:
/// [`VbpInstance::verify`] checks the packing against the file's signed weights anyway.
#[derive(Debug, Clone, PartialEq)]
pub struct VbpInstance {
    pub problem: Problem,
    /// The file's bin capacity.
    pub capacity: Vec<u64>,
    /// Per item of `problem`, its weights as the file gives them, negative ones included.
    pub signed_sizes: Vec<Vec<i64>>,
    /// Items with a negative weight, one per copy.
    pub negative_items: usize,
    /// `M·k`: what every plan of `problem` costs beyond its bins.
    pub offset: f64,
    /// Whether every set of negative items that fits in a bin has its type, so that the
    /// engine's bound less `offset` bounds the file's problem.
    pub exact: bool,
}

impl VbpInstance {
    /// Bins a packing of `problem` uses (each costs 1 in the file's problem).
    pub fn bins(&self, packing: &Packing) -> f64 {
        packing.bins.len() as f64
    }

    /// A lower bound on the bins of the file's problem, whole: the larger of the signed
    /// weights' total over the capacity, per dimension, and `engine_bound` (a bound on the
    /// cost of `problem`) less `offset` when the lowering is exact.
    pub fn bound(&self, engine_bound: f64) -> f64 {
        let mut bound = 0.0f64;
        for (d, &c) in self.capacity.iter().enumerate() {
            let total: i64 = self
                .signed_sizes
                .iter()
                .zip(&self.problem.items)
                .map(|(s, item)| s[d] * i64::from(item.count))
                .sum();
            if c > 0 && total > 0 {
                bound = bound.max((total as u64).div_ceil(c) as f64);
            }
        }
        if self.exact {
            // Bins cost 1 each, so the least cost is a whole number: round the bound up.
            bound = bound.max((engine_bound - self.offset - 1e-6 * engine_bound.max(1.0)).ceil());
        }
        // Any item needs a bin.
        let any = self.problem.items.iter().any(|i| i.count > 0);
        bound.max(if any { 1.0 } else { 0.0 })
    }

    /// Checks every bin of a packing of `problem` against the file's signed weights.
    pub fn verify(&self, packing: &Packing) -> Result<(), String> {
        for (b, bin) in packing.bins.iter().enumerate() {
            for (d, &c) in self.capacity.iter().enumerate() {
                let load: i64 = bin
                    .load
                    .iter()
                    .map(|&(i, n)| self.signed_sizes[i][d] * i64::from(n))
                    .sum();
                if load > c as i64 {
                    return Err(format!("bin {b}: {load} in dimension {} of {c}", d + 1));
                }
            }
        }
        Ok(())
    }
}

/// Parses the text of a `.vbp` file: d; d capacities; m; m lines `w_1 … w_d demand`.
/// `file` only names the source in errors.
pub fn parse_vbp(text: &str, file: &Path) -> Result<VbpInstance, VbpError> {
    let err = |line: u64, cause: String| VbpError::Format {
        file: file.to_path_buf(),
        line,
        cause,
    };
    let mut tokens = Tokens::new(text, file);
    let (line, dims) = tokens.unsigned("the number of dimensions")?;
    if dims == 0 || dims > 1000 {
        return Err(err(line, format!("{dims} dimensions: expected 1 to 1000")));
    }
    let dims = dims as usize;
    let mut capacity = Vec::with_capacity(dims);
    for d in 0..dims {
        capacity.push(tokens.unsigned(&format!("bin capacity {}", d + 1))?.1);
    }
    let (_, kinds) = tokens.unsigned("the number of item kinds")?;
    // Per kind: name, signed weights, demand.
    let mut read = Vec::with_capacity(kinds.min(1 << 16) as usize);
    for k in 0..kinds {
        let mut size = Vec::with_capacity(dims);
        let mut first_line = 0;
        for d in 0..dims {
            let (line, w) = tokens.signed(&format!("weight {} of item kind {}", d + 1, k + 1))?;
            if d == 0 {
                first_line = line;
            }
            size.push(w);
        }
        let (line, demand) = tokens.unsigned(&format!("the demand of item kind {}", k + 1))?;
        let count = u32::try_from(demand).map_err(|_| err(line, format!("demand {demand} is too large")))?;
        if let Some(d) = (0..dims).find(|&d| size[d] > 0 && size[d] as u64 > capacity[d]) {
            return Err(err(
                first_line,
                format!(
                    "item kind {} needs {} in dimension {} but a bin holds {}",
                    k + 1,
                    size[d],
                    d + 1,
                    capacity[d]
                ),
            ));
        }
        read.push((format!("k{k}"), size, count));
    }
    if let Some((line, token)) = tokens.tokens.next() {
        return Err(err(line, format!("unexpected `{token}` after the {kinds} item kinds")));
    }
    Ok(lower_signed(capacity, read))
}

/// The engine's problem for kinds `(name, signed weights, demand)` in bins of `capacity`,
/// negative weights lowered as [`VbpInstance`] describes.
fn lower_signed(capacity: Vec<u64>, kinds: Vec<(String, Vec<i64>, u32)>) -> VbpInstance {
    let positive = |size: &[i64]| size.iter().map(|&w| w.max(0) as u64).collect::<Vec<u64>>();
    let mut items = Vec::new();
    let mut signed_sizes = Vec::new();
    let mut negative = Vec::new();
    for (name, size, count) in kinds {
        if size.iter().all(|&w| w >= 0) {
            items.push(Item {
                name,
                size: positive(&size),
                count,
                eligible: Vec::new(),
                max_per_bin: u32::MAX,
            });
            signed_sizes.push(size);
        } else {
            for copy in 0..count {
                negative.push(items.len());
                let name = if count == 1 {
                    name.clone()
                } else {
                    format!("{name}.{copy}")
                };
                items.push(Item {
                    name,
                    size: positive(&size),
                    count: 1,
                    eligible: Vec::new(),
                    max_per_bin: 1,
                });
                signed_sizes.push(size.clone());
            }
        }
    }
    let fits = |set: &[usize]| {
        (0..capacity.len()).all(|d| set.iter().map(|&i| signed_sizes[i][d]).sum::<i64>() <= capacity[d] as i64)
    };
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let mut exact = negative.len() <= MOST_NEGATIVE_ITEMS;
    if exact {
        for mask in 1u32..1 << negative.len() {
            let set: Vec<usize> = (0..negative.len())
                .filter(|b| mask >> b & 1 == 1)
                .map(|b| negative[b])
                .collect();
            if fits(&set) {
                sets.push(set);
            }
        }
        exact = sets.len() <= MOST_NEGATIVE_SETS;
    }
    if !exact {
        sets = negative.iter().map(|&i| vec![i]).collect();
    }
    // Sets by size, then by items: the types of single items come first.
    sets.sort_by_key(|s| (s.len(), s.clone()));
    // More than any plan's bins.
    let surcharge = 1.0 + items.iter().map(|i| f64::from(i.count)).sum::<f64>();
    let mut bin_types = vec![BinType {
        name: "bin".into(),
        capacity: capacity.clone(),
        price: 1.0,
    }];
    for set in &sets {
        let t = bin_types.len();
        let raised = (0..capacity.len())
            .map(|d| capacity[d] + set.iter().map(|&i| (-signed_sizes[i][d]).max(0) as u64).sum::<u64>())
            .collect();
        let names: Vec<&str> = set.iter().map(|&i| items[i].name.as_str()).collect();
        bin_types.push(BinType {
            name: format!("bin+{}", names.join("+")),
            capacity: raised,
            price: 1.0 + surcharge * set.len() as f64,
        });
        for &i in set {
            items[i].eligible.push(t);
        }
    }
    for item in &mut items {
        if item.eligible.is_empty() {
            item.eligible = (0..bin_types.len()).collect();
        }
    }
    let problem = Problem {
        resources: (0..capacity.len()).map(|d| format!("d{d}")).collect(),
        items,
        bin_types,
        conflict_groups: Vec::new(),
    };
    VbpInstance {
        problem,
        capacity,
        signed_sizes,
        negative_items: negative.len(),
        offset: surcharge * negative.len() as f64,
        exact,
    }
}

/// The whitespace-separated numbers of a file, each with its line.
struct Tokens<'a> {
    tokens: Box<dyn Iterator<Item = (u64, &'a str)> + 'a>,
    last_line: u64,
    file: &'a Path,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str, file: &'a Path) -> Tokens<'a> {
        let tokens = text
            .lines()
            .enumerate()
            .flat_map(|(n, l)| l.split_whitespace().map(move |t| (n as u64 + 1, t)));
        Tokens {
            tokens: Box::new(tokens),
            last_line: text.lines().count() as u64,
            file,
        }
    }

    fn err(&self, line: u64, cause: String) -> VbpError {
        VbpError::Format {
            file: self.file.to_path_buf(),
            line,
            cause,
        }
    }

    /// The next integer and its line; `what` names it in errors.
    fn signed(&mut self, what: &str) -> Result<(u64, i64), VbpError> {
        let (line, token) = self
            .tokens
            .next()
            .ok_or_else(|| self.err(self.last_line, format!("the file ends before {what}")))?;
        let value = token
            .parse::<i64>()
            .map_err(|_| self.err(line, format!("`{token}` is not an integer ({what})")))?;
        Ok((line, value))
    }

    /// The next integer, which must not be negative.
    fn unsigned(&mut self, what: &str) -> Result<(u64, u64), VbpError> {
        let (line, value) = self.signed(what)?;
        let value = u64::try_from(value).map_err(|_| self.err(line, format!("{value} is negative ({what})")))?;
        Ok((line, value))
    }
}

/// Reads and parses a `.vbp` file.
pub fn read_vbp(path: &Path) -> Result<VbpInstance, VbpError> {
    let text = std::fs::read_to_string(path).map_err(|source| VbpError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_vbp(&text, path)
}

/// One row of a summary file: the bounds and the best published heuristic result.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownResult {
    /// The published lower bound.
    pub lower_bound: u64,
    /// The optimum, when known.
    pub optimum: Option<u64>,
    /// Fewest bins any of the published heuristics reached, when given.
    pub best_heuristic: Option<u64>,
}

/// The summary file, by instance name (the `.vbp` file stem).
pub type Summary = BTreeMap<String, KnownResult>;

/// Parses a tab-separated summary: a header with at least `instance_name`, `LB` and `OPT`
/// (OPT −1 when unknown), optionally `best_overall`.
pub fn parse_summary(text: &str, file: &Path) -> Result<Summary, VbpError> {
    let err = |line: u64, cause: String| VbpError::Format {
        file: file.to_path_buf(),
        line,
        cause,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n as u64 + 1, l.trim_end_matches('\r')));
    let (_, header) = lines
        .next()
        .ok_or_else(|| err(1, "the file is empty; expected a header row".into()))?;
    let header: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .split('\t')
        .map(str::trim)
        .collect();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need = |name: &str| column(name).ok_or_else(|| err(1, format!("no `{name}` column in the header")));
    let (name_col, lb_col, opt_col) = (need("instance_name")?, need("LB")?, need("OPT")?);
    let best_col = column("best_overall");
    let mut summary = Summary::new();
    for (line, row) in lines {
        if row.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = row.split('\t').map(str::trim).collect();
        let field = |c: usize| {
            fields
                .get(c)
                .copied()
                .ok_or_else(|| err(line, format!("only {} fields", fields.len())))
        };
        let number = |c: usize| -> Result<i64, VbpError> {
            let f = field(c)?;
            f.parse::<i64>()
                .map_err(|_| err(line, format!("`{f}` in column `{}` is not an integer", header[c])))
        };
        let positive = |v: i64| u64::try_from(v).ok().filter(|&v| v > 0);
        let name = field(name_col)?.to_string();
        let known = KnownResult {
            lower_bound: number(lb_col)?.max(0) as u64,
            optimum: positive(number(opt_col)?),
            best_heuristic: match best_col {
                Some(c) => positive(number(c)?),
                None => None,
            },
        };
        if summary.insert(name.clone(), known).is_some() {
            return Err(err(line, format!("instance `{name}` is listed twice")));
        }
    }
    Ok(summary)
}

/// Reads and parses a summary file.
pub fn read_summary(path: &Path) -> Result<Summary, VbpError> {
    let text = std::fs::read_to_string(path).map_err(|source| VbpError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_summary(&text, path)
}

/// One `.vbp` file found under the benchmark folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VbpFile {
    /// The set and class folder, e.g. `Panigrahy/class3`.
    pub family: String,
    /// The file stem, e.g. `class3_120_10_4`.
    pub name: String,
    pub path: PathBuf,
}

/// Every `.vbp` file under `dir`, recursively, in a fixed order: by family, then by name
/// with runs of digits compared as numbers. The family is the last two folders of the
/// file's path (set and class), e.g. `Panigrahy/class3` or `Triplet/Caprara`.
pub fn find_vbp_files(dir: &Path) -> Result<Vec<VbpFile>, VbpError> {
    let io = |file: &Path| {
        let file = file.to_path_buf();
        move |source| VbpError::Io { file, source }
    };
    let root = dir.canonicalize().map_err(io(dir))?;
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
            let path = entry.map_err(io(&folder))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("vbp")) {
                let folders: Vec<String> = folder
                    .components()
                    .filter_map(|c| match c {
                        std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .collect();
                let family = folders[folders.len().saturating_sub(2)..].join("/");
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                found.push(VbpFile { family, name, path });
            }
        }
    }
    found.sort_by(|a, b| (&a.family, natural_key(&a.name), &a.path).cmp(&(&b.family, natural_key(&b.name), &b.path)));
    Ok(found)
}

/// A sort key that compares runs of digits as numbers: `c_20_3_10` after `c_20_3_9`.
pub fn natural_key(name: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        let text = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let digits = rest[text..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len(), |d| text + d);
        key.push((rest[..text].to_string(), rest[text..digits].parse().unwrap_or(0)));
        rest = &rest[digits..];
    }
    key
}

/// The summary file of the set that `folder` belongs to: for `…/Panigrahy/class3` or
/// `…/Panigrahy`, the file `…/Panigrahy_summary_known.csv` when it exists.
pub fn discover_summary(folder: &Path) -> Option<PathBuf> {
    let folder = folder.canonicalize().ok()?;
    folder.ancestors().take(3).find_map(|d| {
        let name = d.file_name()?.to_string_lossy().into_owned();
        let candidate = d.parent()?.join(format!("{name}_summary_known.csv"));
        candidate.is_file().then_some(candidate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Bin;

    #[test]
    fn reads_a_small_instance() {
        let p = parse_vbp("2\n10 20\n2\n3 4 5\n10 20 1\n", Path::new("t.vbp"))
            .unwrap()
            .problem;
        assert_eq!(p.resources, vec!["d0", "d1"]);
        assert_eq!(p.bin_types[0].capacity, vec![10, 20]);
        assert_eq!(p.items[0].size, vec![3, 4]);
        assert_eq!(p.items[0].count, 5);
        assert_eq!(p.items[1].count, 1);
        assert_eq!(p.items[1].name, "k1");
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_vbp("2\n10 20\n2\n3 4 5\n10 x 1\n", Path::new("t.vbp")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.vbp:5: `x` is not an integer (weight 2 of item kind 2)"
        );
        let e = parse_vbp("2\n10 -20\n", Path::new("t.vbp")).unwrap_err();
        assert_eq!(e.to_string(), "t.vbp:2: -20 is negative (bin capacity 2)");
        let e = parse_vbp("2\n10 20\n2\n3 4 5\n", Path::new("t.vbp")).unwrap_err();
        assert!(e.to_string().contains("ends before weight 1 of item kind 2"), "{e}");
        let e = parse_vbp("1\n10\n1\n11 1\n", Path::new("t.vbp")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.vbp:4: item kind 1 needs 11 in dimension 1 but a bin holds 10"
        );
    }

    #[test]
    fn negative_weights_become_bin_types_of_their_own() {
        // Kind 2 (two copies) has a negative weight, as has kind 1. The copies of kind 2
        // need 12 in dimension 2 together, but fit with kind 1's −2 there.
        let v = parse_vbp("2\n10 10\n2\n3 -2 1\n-1 6 2\n", Path::new("t.vbp")).unwrap();
        let p = &v.problem;
        assert_eq!((v.negative_items, v.exact), (3, true));
        let names: Vec<&str> = p.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["k0", "k1.0", "k1.1"]);
        assert_eq!(
            (p.items[0].size.clone(), p.items[1].size.clone()),
            (vec![3, 0], vec![0, 6])
        );
        assert_eq!(v.signed_sizes[0], vec![3, -2]);
        let names: Vec<&str> = p.bin_types.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "bin",
                "bin+k0",
                "bin+k1.0",
                "bin+k1.1",
                "bin+k0+k1.0",
                "bin+k0+k1.1",
                "bin+k0+k1.0+k1.1"
            ]
        );
        assert_eq!(p.bin_types[6].capacity, vec![12, 12]);
        // M = 3 copies + 1: the three negative copies cost 12 beyond the bins.
        assert_eq!(
            (p.bin_types[1].price, p.bin_types[6].price, v.offset),
            (5.0, 13.0, 12.0)
        );
        assert_eq!(p.items[0].eligible, vec![1, 4, 5, 6]);
        assert_eq!(p.items[2].eligible, vec![3, 5, 6]);

        // One bin of type 6 holds everything: 3 − 1 − 1 = 1 and −2 + 6 + 6 = 10.
        let solved = crate::engine::solve(p, &crate::engine::Settings::default());
        let packing = solved.packing.expand();
        assert_eq!(packing.bins.len(), 1);
        assert_eq!(solved.cost, 13.0);
        assert_eq!(packing.verify(p), Ok(()));
        assert_eq!(v.verify(&packing), Ok(()));
        assert_eq!(v.bins(&packing), 1.0);
        assert_eq!(v.bound(solved.lower_bound), 1.0);

        // The copies of kind 2 alone overflow the file's bin.
        let over = Packing {
            bins: vec![Bin {
                bin_type: 0,
                load: vec![(1, 1), (2, 1)],
            }],
        };
        assert_eq!(v.verify(&over), Err("bin 0: 12 in dimension 2 of 10".to_string()));
    }

    #[test]
    fn too_many_sets_of_negative_items_keep_single_ones() {
        // 7 items of weight −1 fit in any combination: 127 sets, more than 64.
        let v = parse_vbp("1\n10\n1\n-1 7\n", Path::new("t.vbp")).unwrap();
        assert_eq!((v.negative_items, v.exact, v.problem.bin_types.len()), (7, false, 8));
        // Only the signed total bounds the file's problem then, and that some item needs a bin.
        assert_eq!(v.bound(1000.0), 1.0);
    }

    #[test]
    fn summary_reads_optima_and_unknowns() {
        let text = "instance_name\tLB\tOPT\tbest_overall\tbest_IC\nc_1\t5\t6\t7\t7\nc_2\t5\t-1\t6\t6\n";
        let s = parse_summary(text, Path::new("s.csv")).unwrap();
        assert_eq!(
            s["c_1"],
            KnownResult {
                lower_bound: 5,
                optimum: Some(6),
                best_heuristic: Some(7)
            }
        );
        assert_eq!(s["c_2"].optimum, None);
        let e = parse_summary("instance_name\tLB\nx\t1\n", Path::new("s.csv")).unwrap_err();
        assert_eq!(e.to_string(), "s.csv:1: no `OPT` column in the header");
    }

    #[test]
    fn natural_order_compares_numbers() {
        let mut names = vec!["c_20_3_10", "c_20_3_9", "c_120_3_0"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(names, vec!["c_20_3_9", "c_20_3_10", "c_120_3_0"]);
    }
}
