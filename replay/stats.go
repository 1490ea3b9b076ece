package replay

import "golang.org/x/exp/stats"

// distribution sums up values with golang.org/x/exp/stats: the mean, and
// the median, 90th and 99th percentiles and maximum, interpolated as
// that package does.
func distribution(values []float64) Distribution {
	if len(values) == 0 {
		return Distribution{}
	}
	q := stats.Quantiles(values, 0.5, 0.9, 0.99, 1)
	return Distribution{N: len(values), Mean: stats.Mean(values), Median: q[0], P90: q[1], P99: q[2], Max: q[3]}
}
