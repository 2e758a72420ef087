#!/bin/sh
# prompts.sh: generates the caller prompts for a language without a Debian sound pack (espeak-ng).
#
# Usage: tools/prompts.sh LANG OUTDIR
# Writes OUTDIR/<name>.wav (8 kHz, 16-bit, mono PCM: what the daemon plays) for every prompt the
# menus, business hours, announcements, callbacks, the survey and voicemail use, under the same
# names as Debian's asterisk-core-sounds-en-wav (so tel_ivr.c finds them as <dir>/<lang>/<name>).
# The text of each prompt is in the table below, per language. Needs espeak-ng and python3.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 LANG OUTDIR" >&2
	exit 2
fi
lang=$1
out=$2

texts() {
	case "$1" in
	de)
		cat <<'EOF'
please-try-call-later|Wir sind zurzeit nicht erreichbar. Bitte rufen Sie später wieder an.
vm-goodbye|Auf Wiederhören.
sorry|Es tut uns leid.
all-circuits-busy-now|Alle Leitungen sind zurzeit besetzt.
auth-thankyou|Vielen Dank.
vm-enter-num-to-call|Bitte geben Sie die Nummer ein, unter der wir Sie zurückrufen sollen,
vm-then-pound|und drücken Sie dann die Rautetaste.
check-number-dial-again|Bitte prüfen Sie die Nummer und wählen Sie erneut.
queue-youarenext|Sie sind als Nächster an der Reihe.
queue-thereare|Vor Ihnen warten noch
queue-callswaiting|Anrufer.
queue-holdtime|Die voraussichtliche Wartezeit beträgt
queue-less-than|weniger als
queue-minute|Minute.
queue-minutes|Minuten.
queue-thankyou|Vielen Dank für Ihren Anruf. Bitte bewerten Sie das Gespräch von eins bis fünf.
vm-press|Bitte drücken Sie
vm-tocallback|für einen Rückruf.
vm-options|Bitte wählen Sie eine Option.
dir-welcome|Willkommen. Für Deutsch drücken Sie die Eins.
vm-intro|Bitte sprechen Sie Ihre Nachricht nach dem Signalton. Drücken Sie danach die Rautetaste oder legen Sie auf.
vm-msgsaved|Ihre Nachricht wurde gespeichert.
invalid|Ungültige Eingabe.
digits/0|null
digits/1|eins
digits/2|zwei
digits/3|drei
digits/4|vier
digits/5|fünf
digits/6|sechs
digits/7|sieben
digits/8|acht
digits/9|neun
digits/10|zehn
digits/11|elf
digits/12|zwölf
digits/13|dreizehn
digits/14|vierzehn
digits/15|fünfzehn
digits/16|sechzehn
digits/17|siebzehn
digits/18|achtzehn
digits/19|neunzehn
digits/20|zwanzig
digits/30|dreißig
digits/40|vierzig
digits/50|fünfzig
digits/60|sechzig
digits/70|siebzig
digits/80|achtzig
digits/90|neunzig
digits/*|Stern
digits/#|Raute
EOF
		;;
	*)
		echo "$0: no prompt texts for language \"$1\" (have: de)" >&2
		return 1
		;;
	esac
}

command -v espeak-ng >/dev/null 2>&1 || {
	echo "$0: espeak-ng is not installed (apt-get install espeak-ng)" >&2
	exit 1
}
table=$(texts "$lang")
mkdir -p "$out/digits"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "$table" | while IFS='|' read -r name text; do
	[ -n "$name" ] || continue
	espeak-ng -v "$lang" -s 150 -w "$tmp/raw.wav" "$text"
	python3 - "$tmp/raw.wav" "$out/$name.wav" <<'EOF'
# Resamples espeak-ng's mono 16-bit WAV (22050 Hz) to 8 kHz: a box low-pass over each output
# sample's span, then linear interpolation; written through a temporary file and renamed.
import os, struct, sys, wave
src, dst = sys.argv[1], sys.argv[2]
with wave.open(src) as w:
    if w.getsampwidth() != 2 or w.getnchannels() != 1:
        sys.exit("%s: expected 16-bit mono" % src)
    rate = w.getframerate()
    raw = w.readframes(w.getnframes())
x = struct.unpack("<%dh" % (len(raw) // 2), raw)
step = rate / 8000.0
half = max(1, int(step / 2))
n = int(len(x) / step)
# prefix sums for the box filter
acc = [0]
for v in x:
    acc.append(acc[-1] + v)
y = []
for i in range(n):
    c = i * step
    k = int(c)
    lo, hi = max(0, k - half), min(len(x), k + half + 1)
    v = (acc[hi] - acc[lo]) / (hi - lo)
    y.append(max(-32768, min(32767, int(round(v)))))
tmp = dst + ".tmp"
with wave.open(tmp, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(struct.pack("<%dh" % len(y), *y))
os.replace(tmp, dst)
EOF
done
touch "$out/.stamp"
