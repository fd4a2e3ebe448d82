//! The exact method's tuning constants, each with what it trades off. Shares of the time
//! are of the whole budget unless they say "of the time left"; the measurements behind
//! each value are in `BENCHMARKS.md` and the commit history, not here.

/// Fluid LP: a bound and resource prices early, before column generation has converged.
/// Where it does not solve in its share, the bound stays the resource bound, often
/// several percent lower: on thousands of services and a real catalog its solve takes a
/// third of a 30 s run, which column generation, far from converging there, misses less.
pub(super) const FLUID_SHARE: f64 = 0.4;
/// Column generation at the root: long enough to settle the LP bound, leaving time to dive.
pub(super) const ROOT_SHARE: f64 = 0.5;
/// The same with several bin types, where the LP falls slowly over hundreds of rounds and
/// the plans rounded from it every [`ROUNDING_ROUNDS`] rounds are the ones that improve;
/// the re-packing after it finds little, and the bound rises only near convergence.
pub(super) const MANY_TYPES_ROOT_SHARE: f64 = 0.93;
/// The same where the bound is already a plan's cost (bins filled exactly): the root
/// cannot raise it, and its time is better spent re-packing the plan towards it.
pub(super) const FILLED_ROOT_SHARE: f64 = 0.2;
/// Exact cover by full patterns ends here: a quick proof when one exists, no more.
pub(super) const FULL_COVER_SHARE: f64 = 0.8;
/// Reduced-cost enumeration before the root ends here: it only pays when the first bound is tight.
pub(super) const FIRST_ENUMERATION_SHARE: f64 = 0.1;
/// The ejection search after the dives ends here, keeping the rest for the last MIP.
pub(super) const EJECT_SHARE: f64 = 0.9;
/// Fewer moves per bin for the quick ejection searches after the root and after a dive
/// that ties the best plan: a cheap try, not a full search.
pub(super) const QUICK_EJECT_MOVES: u64 = 500;
/// Reduced-cost enumeration for a proof after the root ends here, before the dives.
pub(super) const ENUMERATION_SHARE: f64 = 0.65;
/// With several types and every maximal pattern a column, the MIP over them ends here
/// before the re-packing: it proves most such problems at once, while the re-packing
/// proves a plan only when the plan is one neighbourhood of a few bins.
pub(super) const COMPLETE_MIP_SHARE: f64 = 0.5;
/// Diving ends here, leaving the rest to enumeration and the MIP.
pub(super) const DIVE_SHARE: f64 = 0.8;
/// Dives run this many at a time, each on its own master and thread: with one bin type,
/// pricing has no types to spread over the threads, so parallel dives keep the cores busy.
pub(super) const DIVERS: usize = 2;
/// Dives in a row without a cheaper plan before diving stops: persistence against time
/// better spent on the proof.
pub(super) const FRUITLESS_DIVES: usize = 200;
/// A dive also rounds up the columns at least this fractional: fewer steps per dive, at
/// the risk of fixing a column the optimum does not use.
pub(super) const NEARLY_WHOLE: f64 = 0.5;
/// Steps a dive may undo, each time rounding up another column: escapes a bad fixing
/// without restarting the dive.
pub(super) const DIVE_BACKTRACKS: usize = 4;
/// After the first dive, a dive rounds up a random column that fits the room left, or one
/// of this many that raise the LP least: diversity against greed.
pub(super) const DIVE_CHOICES: usize = 4;
/// Heuristic pricing rounds after each fixing step of a dive: a dive's LP needs only a few
/// new columns, and each round costs an LP solve, the dearest part of a step.
pub(super) const DIVE_PRICING_ROUNDS: usize = 1;
/// The dives' master keeps the columns whose root reduced cost is within this share of the
/// room below the best plan (and the root solution's): a smaller LP solves several times
/// faster, so more dives fit; pricing adds what a dive lacks.
pub(super) const DIVE_MASTER_SLACK: f64 = 0.01;
/// Share of the time left for the proof by enumeration after a dive finds a cheaper plan:
/// a proof within reach is quick, and when it is not, the time is better left to the dives.
pub(super) const DIVE_PROOF_SHARE: f64 = 0.15;
/// Problems with at most this many maximal patterns get all of them as columns: the LP is
/// then exact from the start, at a size HiGHS still solves quickly.
pub(super) const ENUMERATION_LIMIT: usize = 2_000;
/// A master LP of this many rows (items with copies) or more is large: after columns join
/// it is re-solved by the dual simplex, not the primal one (on thousands of services the dual
/// simplex gets through a pricing round's columns sooner, on a few hundred rows, the public
/// sets, the primal one), a pricing round adds fewer columns to it, and with several bin
/// types its quick rounds tell the exact rounds which types to search to the limit.
pub(super) const LARGE_MASTER_ROWS: usize = 1_000;
/// Columns a pricing round adds at most, per row of the master, and the same on a large
/// master, where each column makes every simplex iteration of the rounds after dearer.
pub(super) const ROUND_COLUMNS_PER_ROW: f64 = 2.0;
pub(super) const LARGE_ROUND_COLUMNS_PER_ROW: f64 = 0.25;
/// A large master is rebuilt once it holds this many columns a row ([`super::master`]),
/// keeping this many a row of those its last optimum did not use.
pub(super) const COMPACT_AT: usize = 10;
pub(super) const COMPACT_TO: usize = 4;
/// Improving patterns kept per bin type and pricing round: at least this many, more when
/// there are few types, up to [`MOST_COLUMNS_PER_TYPE`]; more columns per round mean fewer
/// rounds but larger LPs.
pub(super) const COLUMNS_PER_TYPE: usize = 4;
pub(super) const MOST_COLUMNS_PER_TYPE: usize = 64;
/// The same cap in a dive's pricing rounds: a dive near the bound adds columns one round
/// at a time until its LP is back under the best plan, and too few a round makes a dive on
/// a large problem take seconds.
pub(super) const MOST_DIVE_COLUMNS_PER_TYPE: usize = 16;
/// Weight of the best dual point in the smoothed duals of heuristic pricing: damps the
/// oscillation of the duals between rounds.
pub(super) const SMOOTHING: f64 = 0.5;
/// Root rounds between plans rounded from the LP (and one when the root ends): a plan
/// early, without spending the root's time on rounding.
pub(super) const ROUNDING_ROUNDS: usize = 10;
/// The same on a large master, where rounding packs thousands of copies left over by the
/// heuristic portfolio (a tenth of the root's time every ten rounds), while only the plan
/// rounded when the root ends is likely to last.
pub(super) const LARGE_ROUNDING_ROUNDS: usize = 40;
/// Plans are rounded from the LP in these ways, each offered: every column's value down,
/// and up where its fraction is at least 0.6 (the surplus copies dropped, fewer left to
/// pack anew). Neither is better on every estate.
pub(super) const ROUND_UP_FROM: [f64; 2] = [1.0, 0.6];
/// With several bin types, root rounds between quick pricing rounds (the others greedy):
/// quick rounds find better columns, greedy ones cost less.
pub(super) const QUICK_ROUNDS: usize = 10;
/// The fluid LP over the exact rounds' rows ([`super::fluid::Cuts`]) is solved after the
/// first full exact round and then after every this many, and once more when the root
/// ends: solved after each, it leaves the exact rounds too little time for their columns.
pub(super) const CUT_LP_ROUNDS: usize = 3;
/// Reduced-cost enumeration gives up beyond this many patterns: past that the MIP over
/// them costs more than the proof is likely to gain.
pub(super) const REDUCED_LIMIT: usize = 30_000;
/// Beyond that limit, enumerations with these shares of the slack, for a plan only. The
/// last, 0, keeps the patterns of an optimal LP solution: when the LP optimum is a plan's
/// cost, every bin of such a plan is among them.
pub(super) const HEURISTIC_SLACK: [f64; 3] = [0.25, 1.0 / 32.0, 0.0];
/// Share of the time left that each of those enumerations may use.
pub(super) const HEURISTIC_TRY_SHARE: f64 = 0.25;
/// Share of the time left that the MIP over the patterns of those enumerations may use.
pub(super) const HEURISTIC_MIP_SHARE: f64 = 0.5;
/// Share of the time left (at most a second) that the last MIP leaves unused: HiGHS checks
/// its time limit between steps, and on a large LP one step can overrun the limit.
pub(super) const MIP_MARGIN: f64 = 0.2;
/// It tries the least number of bins the bound allows and this many counts more.
pub(super) const SPREAD_EXTRA_BINS: usize = 3;
/// It runs while bins × copies stay under this: each copy scans the open bins.
pub(super) const SPREAD_WORK: f64 = 20_000_000.0;
/// Where the bins at the bound hold fewer copies than this each, on average (the bins of
/// classic bin packing, not those of tens of tasks), the bin-by-bin search below gets a
/// brief try, then column generation, before the rest of the solve...
pub(super) const PROBE_COPIES_PER_BIN: f64 = 6.0;
/// ...each until this share of the time left: most problems either solves, it solves in a
/// few tenths of a second.
pub(super) const PROBE_SHARE: f64 = 0.02;
/// The bin-by-bin search for a plan of exactly filled bins starts no attempt after this
/// share of the time left: it finds such a plan within a second or two when one is within
/// its reach.
pub(super) const FILL_SHARE: f64 = 0.15;
/// An attempt of that search that is still finding bins when its share ends may go on
/// until this share of the time left, as long as its pace finishes the fleet by then: bins
/// that only the small MIP finds take a few tenths of a second each.
pub(super) const FILL_PACE_SHARE: f64 = 0.8;
/// The same with several types, where it tries each fleet priced at the bound: the plans it
/// finds come within a second, and where it finds none, the column generation and the
/// re-packing after it need the time more.
pub(super) const MANY_TYPES_FILL_SHARE: f64 = 0.05;
/// Most fleets that search starts on and moves among, fewest bins first.
pub(super) const FILL_FLEETS: usize = 64;
/// Searches for a plan of exactly filled bins that run side by side (not one per thread,
/// so that what each searches does not depend on the thread count).
pub(super) const FILL_LANES: usize = 2;
/// With several types, re-packing a few bins at a time after the root ends here.
pub(super) const REPACK_SHARE: f64 = 0.95;
/// A plan of a few bins re-packed whole by one MIP ends here (of the time left).
pub(super) const WHOLE_REPACK_SHARE: f64 = 0.6;
