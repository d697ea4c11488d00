package org.ebvspark.data.importer;

import java.util.List;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.ImageSource;

/** What an importer found: the classes, and every input with its class and split. */
public record Listing(ClassList classes, List<ImageSource> sources) {}
