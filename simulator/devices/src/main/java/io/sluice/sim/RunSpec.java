package io.sluice.sim;

/** What a load run was asked to do, as its reports ({@link LoadReports}) show it. */
public interface RunSpec {
    /** The report's {@code "spec"} object, as one line of JSON. */
    String json();

    /** One sentence for the HTML page. */
    String sentence();
}
