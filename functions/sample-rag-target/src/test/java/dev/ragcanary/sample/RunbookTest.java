package dev.ragcanary.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.probe.Probe;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ProbeSetParser;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunbookTest {
    private final List<Runbook.Section> sections = Runbook.sections();

    @Test
    void hasAtLeastFortySectionsWithUniqueIdsAndText() {
        assertThat(sections).hasSizeGreaterThanOrEqualTo(40);
        assertThat(new HashSet<>(sections.stream().map(Runbook.Section::id).toList())).hasSameSizeAs(sections);
        assertThat(sections).allSatisfy(s -> assertThat(s.text().split(" ")).hasSizeGreaterThan(30));
    }

    @Test
    void theStaleRevisionLacksTheSectionsAddedSince() {
        List<Runbook.Section> stale = Runbook.asOf(1);
        assertThat(stale).hasSizeLessThan(sections.size());
        assertThat(stale).extracting(Runbook.Section::id).doesNotContain("lambda-flips", "cache-collision", "second-region");
    }

    @Test
    void goldSetIsValidAndEveryTargetSectionExists() {
        ProbeSet gold = ProbeSetParser.parse(Runbook.goldProbes());
        Set<String> ids = new HashSet<>(sections.stream().map(Runbook.Section::id).toList());

        assertThat(gold.probes()).hasSizeGreaterThanOrEqualTo(50);
        assertThat(gold.probes()).flatExtracting(Probe::targetSections).allSatisfy(id -> assertThat(ids).contains(id));
    }
}
