package dev.ragcanary.core.judge;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class OrderStatisticsTest {
    private static final double ALPHA = new LookPlan(0.98, 4).alpha(2);

    /**
     * Against exact rational arithmetic: at p = 0.95 = 19/20 the binomial CDF is {@code sum C(n,i)·19^i / 20^n}. The low
     * rank l must be the largest with P(B <= l-1) <= alpha/2, the high rank u the smallest with P(B >= u) <= alpha/2.
     */
    @Test
    void p95RanksAreTheTightestWhoseExactBinomialTailsStayWithinHalfTheAlpha() {
        BigDecimal tail = BigDecimal.valueOf(ALPHA / 2);
        for (int n = 131; n <= 400; n++) {
            double[] ranks = new double[n];
            for (int i = 0; i < n; i++) {
                ranks[i] = i + 1;
            }
            Interval interval = OrderStatistics.quantile(ranks, 0.95, ALPHA, 0.98);
            int l = (int) interval.low();
            assertThat(interval.high()).as("n %d", n).isFinite();
            int u = (int) interval.high();
            BigDecimal[] cdf = exactCdf(n);
            assertThat(cdf[l - 1].compareTo(tail)).as("n %d: P(B <= l-1)", n).isLessThanOrEqualTo(0);
            assertThat(cdf[l].compareTo(tail)).as("n %d: l+1 would exceed", n).isGreaterThan(0);
            assertThat(BigDecimal.ONE.subtract(cdf[u - 1]).compareTo(tail)).as("n %d: P(B >= u)", n).isLessThanOrEqualTo(0);
            assertThat(BigDecimal.ONE.subtract(cdf[u - 2]).compareTo(tail)).as("n %d: u-1 would exceed", n).isGreaterThan(0);
        }
    }

    @Test
    void belowOneHundredThirtyOneSamplesTheP95HasNoUpperBound() {
        double[] ranks = new double[130];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = i + 1;
        }
        assertThat(OrderStatistics.quantile(ranks, 0.95, ALPHA, 0.98).high()).isInfinite();
    }

    /** cdf[k] = P(B <= k) for B ~ Binomial(n, 19/20), exactly, then rounded to 40 digits. */
    private static BigDecimal[] exactCdf(int n) {
        BigInteger denominator = BigInteger.valueOf(20).pow(n);
        BigDecimal[] cdf = new BigDecimal[n + 1];
        BigInteger sum = BigInteger.ZERO;
        BigInteger choose = BigInteger.ONE;
        for (int i = 0; i <= n; i++) {
            sum = sum.add(choose.multiply(BigInteger.valueOf(19).pow(i)));
            cdf[i] = new BigDecimal(sum).divide(new BigDecimal(denominator), new java.math.MathContext(40));
            choose = choose.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        }
        return cdf;
    }
}
