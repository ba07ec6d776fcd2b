# textkit: two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SAMPLE := data/raw/sample
RUN    := build/sample

.PHONY: install fonts demo test test-slow lint notebooks bench clean

install: $(STAMP)

# Creates .venv/ and installs textkit with its test extras (compiling textkit/_segment.c, jieba's
# segmentation in C: needs a C compiler and Python's headers); re-runs when either file changes.
$(STAMP): pyproject.toml textkit/_segment.c
	$(PYTHON) -c 'import sys; sys.exit("textkit needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,semantic]'
	$(MAKE) --no-print-directory fonts
	touch $(STAMP)

# Chinese fonts for charts: Noto Sans CJK SC and WenQuanYi Micro Hei from Debian packages.
fonts:
	@if [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
		echo "CJK fonts present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-wqy-microhei >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-wqy-microhei >/dev/null; \
	else \
		echo "WARNING: no CJK font installed; charts will refuse to render Chinese."; \
		echo "         Install Noto Sans CJK SC and WenQuanYi Micro Hei, or set TEXTKIT_CJK_FONT=/path/to/font.ttc"; \
	fi

# The whole suite on the bundled synthetic sample: ingest -> prepare -> cluster -> timeline -> charts,
# then every notebook executed in place (outputs kept, as newsroom repos publish them).
demo: install
	$(VENV)/bin/textkit run $(SAMPLE) --out $(RUN) --figures figures
	$(PY) -m textkit.notebooks --analysis-dir $(RUN) --in-place

test: install
	$(VENV)/bin/ruff check textkit tests bench notebooks
	$(PY) -m pytest -n 2 -m "not slow"; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$status

test-slow: install
	$(PY) -m pytest -m slow

bench: install
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf build .pytest_cache .ruff_cache
