package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LoadReportsTest {
    private static LoadReport report() {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 10L); // 10 us .. 10 ms
        }
        List<LoadReport.Second> timeline = List.of(new LoadReport.Second(1, 300, 0, 2_000, 9_000),
                new LoadReport.Second(2, 500, 1, 3_000, 9_500), new LoadReport.Second(3, 199, 0, 1_000, 4_000));
        return new LoadReport(1000, 999, 1, 3_000_000_000L, 500_000_000L, h, 1, timeline);
    }

    @Test
    void json_holdsTotalsLatencyAuditAndEverySecond() {
        LoadSpec spec = LoadSpec.of("127.0.0.1", 1883, 10, 100);
        String json = LoadReports.json(spec, report(), new LossAudit.Result(999, 1000, 0, 0, 0, 1, 1000, 0));
        assertTrue(json.contains("\"acknowledged\": 999"), json);
        assertTrue(json.contains("\"messages_per_second\": 333"), json);
        assertTrue(json.contains("\"p99\": 9.9"), json);
        assertTrue(json.contains("\"audit\": {\"passed\": true"), json);
        assertEquals(3, Pattern.compile("\\{\"second\": ").matcher(json).results().count(), json);
        assertTrue(json.contains("{\"second\": 2, \"completed\": 500, \"failed\": 1, \"p50_ms\": 3, \"p99_ms\": 9.5}"), json);
    }

    @Test
    void html_isSelfContained_withAPointPerSecondInEachChart() {
        String html = LoadReports.html(LoadSpec.of("127.0.0.1", 1883, 10, 100), report(), "run <1>");
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>run &lt;1&gt;</title>"), html);
        assertTrue(!html.contains("<script") && !html.contains("src="), "no scripts, nothing fetched");
        Matcher m = Pattern.compile("<polyline [^>]*points=\"([^\"]*)\"").matcher(html);
        int charts = 0;
        while (m.find()) {
            charts++;
            assertEquals(3, m.group(1).split(" ").length, m.group(1));
        }
        assertEquals(3, charts);
    }
}
