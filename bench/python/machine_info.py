"""What every benchmark section shares: the machine line (CPU, cores, memory, Java) and writing the section into its doc."""
import os
import platform
import subprocess


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 2**20
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, {java}"


def write_section(doc, name, lines):
    """Replaces the section between <!-- name:begin --> and <!-- name:end --> of doc (appended if absent)."""
    text = open(doc).read()
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = begin + "\n" + "\n".join(lines) + "\n" + end
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(doc, "w").write(text)
