# Sourced by the launchers: the JVM options Spark, DL4J and ND4J need on Java 17 (../shared/STACK.md).
EBV_JAVA17_OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED"
# DL4J's Spark stats ask an NTP server by default; this machine and most clusters have none to spare.
# The ND4J CPU backend is the oneDNN build (selected by JavaCPP's platform extension), and DL4J's
# oneDNN layer helpers, off by default in 1.0.0-M2.1, are switched on: about 8x faster convolutions.
# A CUDA build sets EBV_JAVACPP_EXTENSION= (empty).
EBV_JAVA_PROPS="-Dorg.deeplearning4j.spark.time.TimeSource=org.deeplearning4j.spark.time.SystemClockTimeSource \
-Dorg.bytedeco.javacpp.platform.extension=${EBV_JAVACPP_EXTENSION--onednn} -Dorg.eclipse.deeplearning4j.helpers.disable=false"
