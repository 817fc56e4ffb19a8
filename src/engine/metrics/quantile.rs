//! `histogram_quantile` with Prometheus' own interpolation, so a p95 golive
//! computes from a scrape matches the number a PromQL query would return on the
//! same buckets. Kept apart from the windowing so it can be tested on
//! hand-computed histograms.

/// One cumulative bucket: the count of observations `<= upper`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub upper: f64,
    pub count: f64,
}

/// Why a quantile could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantileError {
    NoInfBucket,
    TooFewBuckets,
    NoObservations,
}

impl std::fmt::Display for QuantileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QuantileError::NoInfBucket => "the histogram has no le=\"+Inf\" bucket",
            QuantileError::TooFewBuckets => "the histogram has fewer than two buckets",
            QuantileError::NoObservations => "no observations in the window",
        })
    }
}

/// The `q`-quantile of cumulative buckets (any order; equal bounds are
/// merged), interpolated linearly inside the bucket the rank falls in, as
/// Prometheus' `bucketQuantile` does: the lowest bucket starts at 0 (unless its
/// bound is negative), a rank in the `+Inf` bucket answers the highest finite
/// bound, and counts made non-monotonic by missing buckets are evened out.
pub fn histogram_quantile(q: f64, buckets: &[Bucket]) -> Result<f64, QuantileError> {
    if q.is_nan() {
        return Ok(f64::NAN);
    }
    if q < 0.0 {
        return Ok(f64::NEG_INFINITY);
    }
    if q > 1.0 {
        return Ok(f64::INFINITY);
    }
    let mut sorted: Vec<Bucket> = buckets
        .iter()
        .copied()
        .filter(|b| !b.upper.is_nan())
        .collect();
    sorted.sort_by(|a, b| a.upper.total_cmp(&b.upper));
    // Merge equal bounds (the same `le` from several series).
    sorted.dedup_by(|later, earlier| {
        if later.upper == earlier.upper {
            earlier.count += later.count;
            true
        } else {
            false
        }
    });
    match sorted.last() {
        Some(last) if last.upper == f64::INFINITY => {}
        _ => return Err(QuantileError::NoInfBucket),
    }
    // A cumulative count can never drop as the bound grows; a missing bucket
    // in one of the summed series makes it look as if it did.
    let mut max = f64::NEG_INFINITY;
    for b in &mut sorted {
        if b.count < max {
            b.count = max;
        } else {
            max = b.count;
        }
    }
    if sorted.len() < 2 {
        return Err(QuantileError::TooFewBuckets);
    }
    let n = sorted.len();
    let observations = sorted[n - 1].count;
    if observations <= 0.0 || observations.is_nan() {
        return Err(QuantileError::NoObservations);
    }
    let mut rank = q * observations;
    let b = sorted
        .partition_point(|bucket| bucket.count < rank)
        .min(n - 1);
    if b == n - 1 {
        return Ok(sorted[n - 2].upper);
    }
    if b == 0 && sorted[0].upper <= 0.0 {
        return Ok(sorted[0].upper);
    }
    let mut start = 0.0;
    let end = sorted[b].upper;
    let mut count = sorted[b].count;
    if b > 0 {
        start = sorted[b - 1].upper;
        count -= sorted[b - 1].count;
        rank -= sorted[b - 1].count;
    }
    if count <= 0.0 {
        return Ok(end);
    }
    Ok(start + (end - start) * (rank / count))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn h(pairs: &[(f64, f64)]) -> Vec<Bucket> {
        pairs
            .iter()
            .map(|&(upper, count)| Bucket { upper, count })
            .collect()
    }

    #[test]
    fn hand_computed_quantiles() {
        // 100 observations: 50 <= 0.1, 40 in (0.1, 0.5], 10 in (0.5, 1].
        let b = h(&[
            (0.1, 50.0),
            (0.5, 90.0),
            (1.0, 100.0),
            (f64::INFINITY, 100.0),
        ]);
        // p50: rank 50 falls at the top of the first bucket: 0 + 0.1 * 50/50.
        assert!((histogram_quantile(0.5, &b).unwrap() - 0.1).abs() < 1e-12);
        // p95: rank 95, bucket (0.5, 1], 5 of 10 into it: 0.5 + 0.5 * 0.5.
        assert!((histogram_quantile(0.95, &b).unwrap() - 0.75).abs() < 1e-12);
        // p60: rank 60, bucket (0.1, 0.5], 10 of 40: 0.1 + 0.4 * 0.25 = 0.2.
        assert!((histogram_quantile(0.6, &b).unwrap() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn rank_in_the_inf_bucket_answers_the_highest_finite_bound() {
        let b = h(&[(0.1, 10.0), (0.5, 80.0), (f64::INFINITY, 100.0)]);
        assert_eq!(histogram_quantile(0.99, &b).unwrap(), 0.5);
    }

    #[test]
    fn unsorted_input_and_duplicate_bounds_are_merged() {
        // Two series' buckets summed by le, given in any order.
        let b = h(&[
            (f64::INFINITY, 60.0),
            (0.5, 45.0),
            (0.1, 25.0),
            (f64::INFINITY, 40.0),
            (1.0, 60.0),
            (0.1, 25.0),
            (0.5, 45.0),
            (1.0, 40.0),
        ]);
        assert!((histogram_quantile(0.95, &b).unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn missing_buckets_are_evened_out_not_negative() {
        // The 0.5 bucket is missing from one summed series, so the merged
        // count at 0.5 looks lower than at 0.1: treated as monotonic.
        let b = h(&[
            (0.1, 50.0),
            (0.5, 40.0),
            (1.0, 100.0),
            (f64::INFINITY, 100.0),
        ]);
        // Evened to 0.1:50, 0.5:50, 1:100. p75: rank 75 in (0.5, 1]: 0.5 + 0.5*25/50.
        assert!((histogram_quantile(0.75, &b).unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn no_data_shapes() {
        assert_eq!(
            histogram_quantile(0.5, &h(&[(0.1, 1.0)])),
            Err(QuantileError::NoInfBucket)
        );
        assert_eq!(
            histogram_quantile(0.5, &h(&[(f64::INFINITY, 1.0)])),
            Err(QuantileError::TooFewBuckets)
        );
        assert_eq!(
            histogram_quantile(0.5, &h(&[(0.1, 0.0), (f64::INFINITY, 0.0)])),
            Err(QuantileError::NoObservations)
        );
        assert_eq!(histogram_quantile(-1.0, &h(&[])), Ok(f64::NEG_INFINITY));
        assert_eq!(histogram_quantile(2.0, &h(&[])), Ok(f64::INFINITY));
    }

    #[test]
    fn negative_lowest_bound_is_returned_as_is() {
        let b = h(&[(-1.0, 10.0), (0.0, 20.0), (f64::INFINITY, 20.0)]);
        assert_eq!(histogram_quantile(0.1, &b).unwrap(), -1.0);
    }
}
