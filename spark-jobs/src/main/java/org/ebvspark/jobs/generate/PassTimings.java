package org.ebvspark.jobs.generate;

/**
 * Where one distributed pass spent its time, in seconds.
 *
 * @param broadcast copying W to the heap and creating the broadcast, on the driver
 * @param fetch the slowest task's wait for W (broadcast fetch and building its matrix)
 * @param compute the slowest task's kernel time
 * @param job the Spark job's wall time (fetch + compute + scheduling + sending results)
 * @param collect job minus the slowest task: scheduling and moving the results to the driver
 * @param assemble writing the collected gradient rows into the driver's matrix
 * @param resultBytes bytes of gradient rows the driver received
 */
public record PassTimings(
    double broadcast,
    double fetch,
    double compute,
    double job,
    double collect,
    double assemble,
    long resultBytes) {}
