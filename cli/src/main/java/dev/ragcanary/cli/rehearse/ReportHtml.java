package dev.ragcanary.cli.rehearse;

import dev.ragcanary.cli.rehearse.RehearsalReport.LedgerLine;
import dev.ragcanary.cli.rehearse.RehearsalReport.Rule;
import dev.ragcanary.cli.rehearse.RehearsalReport.StageRun;
import dev.ragcanary.cli.rehearse.RehearsalReport.Stickiness;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders a {@link RehearsalReport} as one self-contained HTML page: the text (status, facts, verdict table, every
 * rule) is plain HTML, the charts are drawn as inline SVG by a small script from the report data embedded in the page.
 * Nothing is loaded from the network.
 */
public final class ReportHtml {
    private ReportHtml() {
    }

    public static String render(RehearsalReport report) {
        StringBuilder html = new StringBuilder(32_000);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>rag-canary rehearsal: ").append(esc(report.rolloutId())).append(" - ")
                .append(esc(report.finalStatus())).append("</title>\n<style>\n").append(resource("report.css"))
                .append("</style>\n</head>\n<body>\n<main>\n");
        html.append("<h1>Rehearsal of rollout ").append(esc(report.rolloutId())).append("</h1>\n<p class=\"sub\">scenario <b>")
                .append(esc(report.scenario())).append("</b>");
        if (report.scenarioDescription() != null) {
            html.append(": ").append(esc(report.scenarioDescription()));
        }
        html.append("</p>\n");
        String statusClass = report.promoted() ? "promoted" : "ROLLED_BACK".equals(report.finalStatus()) ? "rolled-back" : "other";
        html.append("<section id=\"final-status\" class=\"status ").append(statusClass).append("\"><span class=\"word\">")
                .append(esc(report.finalStatus())).append("</span><span class=\"headline\">").append(esc(report.banner().headline()))
                .append("</span></section>\n");
        if (!report.banner().details().isEmpty()) {
            html.append("<ul id=\"final-status-details\">\n");
            report.banner().details().forEach(line -> html.append("<li>").append(esc(line)).append("</li>\n"));
            html.append("</ul>\n");
        }
        facts(html, report);
        if (report.secondRollout() != null) {
            html.append("<h2>Second rollout on the same alias</h2>\n<p id=\"second-rollout\" class=\"")
                    .append(report.secondRollout().refusedByTheLock() ? "PASS" : "FAIL").append("\">")
                    .append(esc(report.secondRollout().sentence())).append("</p>\n");
        }
        html.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        figure(html, "weight", "Canary weight over time");
        figure(html, "latency", "p95 warm latency per variant, per stage");
        figure(html, "errors", "Error rate per variant, per stage");
        figure(html, "quality", "ΔS median and coverage per stage (canary probes)");
        html.append("</div>\n");
        verdictTable(html, report);
        egress(html, report);
        ledger(html, report);
        ruleDetails(html, report);
        html.append("<footer>Files in this folder: <a href=\"ledger.json\">ledger.json</a> (the rollout ledger), ")
                .append("<a href=\"report.json\">report.json</a> (this report's data), <code>evidence/</code> (every stage's evidence). ")
                .append("Times are virtual: bakes take no real time in a rehearsal.</footer>\n</main>\n");
        html.append("<script type=\"application/json\" id=\"report-data\">")
                .append(Json.compact(report).replace("<", "\\u003c")).append("</script>\n<script>\n")
                .append(resource("report.js")).append("</script>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void facts(StringBuilder html, RehearsalReport report) {
        html.append("<div class=\"facts\">\n");
        fact(html, hours(report.virtualSeconds()), "virtual time", false);
        fact(html, String.format(Locale.ROOT, "%.1f s", report.wallSeconds()), "wall time", false);
        fact(html, String.valueOf(report.stages().size()), "stage runs", false);
        Stickiness s = report.stickiness();
        if (s != null) {
            fact(html, s.users() + " / " + s.requests(), "sticky users / routed requests", false);
            fact(html, String.valueOf(s.violatingUsers()), "users served against the stickiness rule (must be 0)", !s.held());
            fact(html, String.valueOf(s.addedByWeightIncrease()), "users added to the canary by a weight increase", false);
            fact(html, String.valueOf(s.movedBackByRollback()), "users moved back to control by the rollback", false);
            for (RehearsalReport.Violation v : s.examples()) {
                fact(html, v.user(), "at " + hours(v.atSeconds()) + " (stage " + v.stage() + "): " + v.why(), true);
            }
        }
        new TreeMap<>(report.aliasAfter()).forEach((region, alias) -> fact(html, alias, "alias in " + region + " at the end", false));
        fact(html, report.lockAfter(), "rollout lock at the end", !"RELEASED".equals(report.lockAfter()));
        html.append("</div>\n");
    }

    private static void fact(StringBuilder html, String value, String label, boolean bad) {
        html.append("<div class=\"fact").append(bad ? " bad" : "").append("\"><b>").append(esc(value)).append("</b><span>")
                .append(esc(label)).append("</span></div>\n");
    }

    private static void figure(StringBuilder html, String chart, String caption) {
        html.append("<figure><figcaption>").append(esc(caption)).append("</figcaption><div class=\"chart\" data-chart=\"")
                .append(chart).append("\" data-title=\"").append(esc(caption)).append("\"></div></figure>\n");
    }

    private static void verdictTable(StringBuilder html, RehearsalReport report) {
        html.append("<h2>Verdicts</h2>\n<table id=\"verdicts\">\n<tr><th>stage</th><th>weight</th><th>virtual time</th>")
                .append("<th>gate requests control / canary</th><th>sticky users control / canary (share)</th>")
                .append("<th>throttled calls / Step Functions retries</th><th>decision</th>")
                .append("<th>deciding rules (observed vs limit)</th></tr>\n");
        for (StageRun run : report.stages()) {
            html.append("<tr><td>").append(esc(run.stage()));
            if ("promotion".equals(run.window())) {
                html.append(" (promotion window)");
            }
            if (Rehearsal.AFTER_PROMOTION.equals(run.window())) {
                html.append(" (bake after the promotion)");
            }
            if (run.extensions() > 0) {
                html.append(" (extension ").append(run.extensions()).append(')');
            }
            html.append("</td><td class=\"num\">").append(percent(run.weight())).append("</td><td class=\"num\">")
                    .append(hours(run.startSeconds())).append(" - ").append(hours(run.endSeconds())).append("</td><td class=\"num\">")
                    .append(run.control() == null ? "-" : String.valueOf(run.control().requests())).append(" / ")
                    .append(run.canary() == null ? "-" : String.valueOf(run.canary().requests())).append("</td><td class=\"num\">");
            if (run.traffic() != null) {
                html.append(run.traffic().controlUsers()).append(" / ").append(run.traffic().canaryUsers());
                if (run.traffic().effectiveCanaryShare() != null) {
                    html.append(" (").append(percent(run.traffic().effectiveCanaryShare())).append(')');
                }
            }
            html.append("</td><td>");
            counts(html, "throttled", run.throttledCalls());
            html.append(" / ");
            counts(html, "retries", run.retries());
            String decision = run.decision() == null ? "none" : run.decision();
            html.append("</td><td class=\"").append(esc(decision)).append("\">").append(esc(decision)).append("</td><td>");
            var deciding = run.failedRules().isEmpty() ? run.rules().stream().filter(r -> "INSUFFICIENT".equals(r.outcome())).toList()
                    : run.failedRules();
            if (deciding.isEmpty()) {
                html.append(esc(run.reason() == null ? "" : run.reason()));
            }
            for (Rule rule : deciding) {
                html.append("<div><code>").append(esc(rule.rule())).append("</code> observed ").append(esc(rule.observed()))
                        .append(", limit ").append(esc(rule.comparator())).append(' ').append(esc(rule.limit()))
                        .append(rule.hardStop() ? " (hard stop)" : "").append("</div>");
            }
            html.append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    /**
     * The egress panel: what the partner stub and the sink counted from the users' real posts, then per stage run the
     * figures the gate judged (volume simulated; duplicates and shadow match counted).
     */
    private static void egress(StringBuilder html, RehearsalReport report) {
        html.append("<h2>Egress: the billing webhook</h2>\n<section id=\"egress\">\n");
        if (report.egress() != null) {
            html.append("<ul id=\"egress-counted\">\n");
            for (String line : egressPanelLines(report.egress())) {
                html.append("<li>").append(esc(line)).append("</li>\n");
            }
            html.append("</ul>\n");
        }
        html.append("<p>What the gate judged at each stage run: emissions per variant are the simulated fleet's volume ")
                .append("(the scenario's <code>egress</code> knobs); partner duplicates and the shadow match are counted ")
                .append("from the users' real posts and the real canary sink.</p>\n")
                .append("<table id=\"egress-stages\">\n<tr><th>stage</th><th>variant</th><th>emissions</th><th>success</th>")
                .append("<th>retries per emission</th><th>age p95</th><th>partner duplicates</th>")
                .append("<th>shadow matched / missing / extra</th></tr>\n");
        for (StageRun run : report.stages()) {
            RehearsalReport.StageEgress e = run.egress();
            if (e == null) {
                continue;
            }
            String shadow = e.shadow() == null ? "-" : e.shadow().matched() + " / " + e.shadow().missing() + " / "
                    + e.shadow().extra();
            Map<String, RehearsalReport.EgressFigures> variants = variants(e);
            variants.forEach((variant, f) -> egressRow(html, run, variant, f, e.partnerDuplicates(), shadow));
            if (variants.isEmpty()) {
                egressRow(html, run, "-", null, e.partnerDuplicates(), shadow);
            }
        }
        html.append("</table>\n</section>\n");
    }

    private static void egressRow(StringBuilder html, StageRun run, String variant, RehearsalReport.EgressFigures f,
                                  long duplicates, String shadow) {
        html.append("<tr><td>").append(esc(run.stage())).append(run.extensions() > 0 ? " +" + run.extensions() : "")
                .append("promotion".equals(run.window()) ? " (promotion window)" : "")
                .append(Rehearsal.AFTER_PROMOTION.equals(run.window()) ? " (after)" : "")
                .append("</td><td>").append(variant).append("</td><td class=\"num\">")
                .append(f == null ? "-" : String.valueOf(f.emissions())).append("</td><td class=\"num\">")
                .append(f == null || f.successRate() == null ? "-" : percent(f.successRate())).append("</td><td class=\"num\">")
                .append(f == null || f.retriesPerEmission() == null ? "-" : decimal(f.retriesPerEmission()))
                .append("</td><td class=\"num\">").append(f == null || f.ageP95Ms() == null ? "-" : millis(f.ageP95Ms()))
                .append("</td><td class=\"num").append(duplicates > 0 ? " FAIL" : "").append("\">").append(duplicates)
                .append("</td><td class=\"num\">").append(esc(shadow)).append("</td></tr>\n");
    }

    /** One stage run's egress figures on one line (the console's and the panel's words). */
    static String egressLine(RehearsalReport.StageEgress e) {
        StringBuilder line = new StringBuilder();
        variants(e).forEach((variant, f) -> line.append(variant).append(' ').append(f.emissions())
                .append(" sent, success ").append(f.successRate() == null ? "-" : percent(f.successRate()))
                .append(", retries ").append(f.retriesPerEmission() == null ? "-" : decimal(f.retriesPerEmission()))
                .append("/emission, age p95 ").append(f.ageP95Ms() == null ? "-" : millis(f.ageP95Ms())).append("; "));
        line.append("partner duplicates ").append(e.partnerDuplicates());
        if (e.shadow() != null) {
            line.append("; shadow matched ").append(e.shadow().matched()).append(", missing ").append(e.shadow().missing())
                    .append(", extra ").append(e.shadow().extra()).append(" (").append(e.shadow().controlEmissions())
                    .append(" control emissions on mirrored requests, ").append(e.shadow().shadowEmissions())
                    .append(" shadow emissions)");
        }
        return line.toString();
    }

    /** The variants that recorded emissions at the stage run, control first. */
    private static Map<String, RehearsalReport.EgressFigures> variants(RehearsalReport.StageEgress e) {
        Map<String, RehearsalReport.EgressFigures> out = new LinkedHashMap<>();
        if (e.control() != null) {
            out.put("control", e.control());
        }
        if (e.canary() != null) {
            out.put("canary", e.canary());
        }
        return out;
    }

    /** The whole rehearsal's egress, counted from real posts and the real sink: the console's last lines and the panel. */
    static List<String> egressPanelLines(RehearsalReport.EgressPanel p) {
        String users = p.users().entrySet().stream().map(e -> e.getKey() + " " + e.getValue().emissions() + " sent, "
                        + e.getValue().successes() + " accepted, " + e.getValue().retries() + " retries, "
                        + e.getValue().suppressed() + " suppressed")
                .collect(Collectors.joining("; "));
        String perKey = p.partner().keysByPosts().entrySet().stream()
                .map(e -> e.getValue() + " keys posted " + e.getKey() + "x").collect(Collectors.joining(", "));
        String shadow = p.shadow() == null ? "shadow: no request was mirrored"
                : "shadow: " + p.shadow().controlEmissions() + " control emissions on mirrored requests, "
                + p.shadow().shadowEmissions() + " shadow emissions in the canary sink: matched " + p.shadow().matched()
                + ", missing " + p.shadow().missing() + ", extra " + p.shadow().extra();
        return List.of("egress (counted from real posts): billing emissions of the sticky users: " + users,
                "partner stub: " + p.partner().posts() + " posts for " + p.partner().keys() + " dedupe keys ("
                        + (perKey.isEmpty() ? "none" : perKey) + "), duplicates " + p.partner().duplicates(),
                shadow);
    }

    static String decimal(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    static String millis(double ms) {
        return String.format(Locale.ROOT, "%.0f ms", ms);
    }

    /** "3 throttled (UpdateAlias 3)", or "0 throttled". */
    private static void counts(StringBuilder html, String what, Map<String, Integer> counts) {
        html.append(total(counts)).append(' ').append(what);
        if (!counts.isEmpty()) {
            html.append(" (").append(esc(listed(counts))).append(')');
        }
    }

    static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** "Shift traffic to the stage weight 3, Evaluate the gate 1". */
    static String listed(Map<String, Integer> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** The attempt column is filled only for entries written by a retry: the first attempt is the normal case. */
    private static void ledger(StringBuilder html, RehearsalReport report) {
        html.append("<h2>Ledger</h2>\n<table id=\"ledger\">\n<tr><th>seq</th><th>type</th><th>stage</th>")
                .append("<th>weight</th><th>epoch</th><th>attempt</th><th>reason</th></tr>\n");
        for (LedgerLine entry : report.ledger()) {
            html.append("<tr><td class=\"num\">").append(entry.sequence()).append("</td><td>").append(esc(entry.type()))
                    .append("</td><td>").append(esc(entry.stage())).append("</td><td class=\"num\">")
                    .append(percent(entry.weight())).append("</td><td class=\"num\">").append(entry.epoch())
                    .append("</td><td class=\"num\">").append(entry.attempt() == null ? "" : "attempt " + entry.attempt())
                    .append("</td><td>").append(esc(entry.reason())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void ruleDetails(StringBuilder html, RehearsalReport report) {
        html.append("<h2>Every rule of every verdict</h2>\n");
        for (StageRun run : report.stages()) {
            html.append("<details><summary>").append(esc(run.stage())).append(run.extensions() > 0 ? " +" + run.extensions() : "")
                    .append(" - <span class=\"").append(esc(String.valueOf(run.decision()))).append("\">")
                    .append(esc(String.valueOf(run.decision()))).append("</span>");
            if (run.evidenceFile() != null) {
                html.append(" - evidence <a href=\"").append(esc(run.evidenceFile())).append("\">").append(esc(run.evidenceFile()))
                        .append("</a>");
            }
            html.append("</summary>\n<p>").append(esc(run.reason() == null ? "" : run.reason())).append("</p>\n")
                    .append("<table><tr><th>rule</th><th>outcome</th><th>observed</th><th>limit</th><th>note</th></tr>\n");
            for (Rule rule : run.rules()) {
                html.append("<tr><td><code>").append(esc(rule.rule())).append("</code>").append(rule.hardStop() ? " (hard stop)" : "")
                        .append("</td><td class=\"").append(esc(rule.outcome())).append("\">").append(esc(rule.outcome()))
                        .append("</td><td class=\"num\">").append(esc(rule.observed())).append("</td><td class=\"num\">")
                        .append(esc(rule.comparator())).append(' ').append(esc(rule.limit())).append("</td><td>")
                        .append(esc(rule.note() == null ? "" : rule.note())).append("</td></tr>\n");
            }
            html.append("</table></details>\n");
        }
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, share > 0 && share < 0.1 ? "%.2f%%" : "%.1f%%", share * 100);
    }

    static String hours(double seconds) {
        long minutes = Math.round(seconds / 60);
        return minutes < 60 ? minutes + " min" : String.format(Locale.ROOT, "%d h %02d min", minutes / 60, minutes % 60);
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String resource(String name) {
        try (InputStream in = ReportHtml.class.getResourceAsStream("/report/" + name)) {
            if (in == null) {
                throw new IllegalStateException("report resource /report/" + name + " is missing from the CLI jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
