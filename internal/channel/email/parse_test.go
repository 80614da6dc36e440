package email

import (
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusCase is what a fixture of testdata/inbound/ must parse into.
type corpusCase struct {
	file     string
	wantErr  string   // Parse fails with this in the error
	auto     bool     // AutoReason finds it automatic
	subject  string   // decoded subject
	from     string   // sender address
	name     string   // sender display name
	newHas   []string // in Reply.New
	newLacks []string // not in Reply.New (quoted history, signatures)
	quoted   []string // in Reply.Quoted
	files    []string // attachment names
	htmlHas  []string
	warned   bool // Parse reports MIME faults
	irt      string
}

// corpus: every fixture in testdata/inbound/ must be here.
var corpus = []corpusCase{
	{file: "outlook_tr_reply.eml", subject: "YNT: [#42] Alan adı transferi", from: "mehmet@ozturkyazilim.com.tr", name: "Mehmet Öztürk",
		newHas: []string{"Transfer kodunu aldım", "Saygılarımla"}, newLacks: []string{"Kimden:", "transfer kodunuz ektedir"},
		quoted: []string{"Gönderildi: 23 Kasım 2026"}, htmlHas: []string{"<p>Merhaba,"}, irt: "t42.8f3a1c@destek.atakdomain.com"},
	{file: "outlook_tnef_en.eml", subject: "RE: Nameserver change for example.com.tr", from: "john.smith@example.co.uk", name: "Smith, John",
		newHas: []string{"Please change the nameservers", "Kind regards"}, newLacks: []string{"Original Message", "which nameservers"},
		files: []string{"winmail.dat"}},
	{file: "gmail_reply_en.eml", subject: "Re: [#77] SSL certificate not renewing", from: "deniz.kaya@gmail.com", name: "Deniz Kaya",
		newHas: []string{"still shows the old expiry date"}, newLacks: []string{"wrote:", "clearing the cache", "Atak Domain Destek"},
		quoted: []string{"> Hello, please try again"}, htmlHas: []string{"<blockquote>"}, irt: "t77.55aa@destek.atakdomain.com"},
	{file: "gmail_reply_tr.eml", subject: "Re: [#91] Hosting paketim askıya alındı", from: "zeynep.celik@gmail.com", name: "Zeynep Çelik",
		newHas: []string{"Ödemeyi dün yaptım"}, newLacks: []string{"tarihinde", "askıya alınmıştır"}, quoted: []string{"şunu"}},
	{file: "apple_mail_inline.eml", subject: "DNS kaydı ekran görüntüsü", from: "can@arslan.dev", name: "Can Arslan",
		newHas: []string{"A kaydını ekledim"}, files: []string{"dns.png"}, htmlHas: []string{`src="cid:5A6B7C8D-9E0F@arslan.dev"`}},
	{file: "iphone_tr.eml", subject: "Ynt: [#105] E-posta kutum dolu uyarısı", from: "burak.demir@icloud.com", name: "Burak Demir",
		newHas: []string{"Kota artırımı"}, newLacks: []string{"iPhone'umdan", "şunları yazdı", "kotası dolmuştur"}},
	{file: "android_outlook.eml", subject: "Re: Fatura", from: "elif.yurt@outlook.com", name: "Elif Yurt",
		newHas: []string{"Kasım faturamı bulamıyorum"}, newLacks: []string{"Get Outlook", "yayımlanmıştır", "________"}},
	{file: "forwarded_gmail.eml", subject: "Fwd: Alan adınız için ödeme hatırlatması", from: "hakan.yildiz@gmail.com", name: "Hakan Yıldız",
		newHas: []string{"Dolandırıcılık olabilir", "Forwarded message", "From: Alan Adi Yenileme", "hemen bu bağlantıdan ödeme yapın"}},
	{file: "forwarded_rfc822.eml", subject: "Fwd: phishing from one of your domains", from: "security@tb.example.org", name: "Güvenlik Ekibi",
		newHas: []string{"attached phishing mail"}, files: []string{"phishing.eml"}},
	{file: "windows1254_attachment.eml", subject: "Fatura ödemesi ve şifre sıfırlama", from: "ayse.isik@firma.com.tr", name: "Ayşe Işık",
		newHas: []string{"şifre sıfırlama bağlantısı gelmedi", "Teşekkürler", "Ayşe Işık"}, files: []string{"ödeme dekontu.pdf"}},
	{file: "iso88599_8bit.eml", subject: "Çağrı: İade talebim hâlâ sonuçlanmadı", from: "gul.cetin@example.com.tr", name: "Gül Çetin",
		newHas: []string{"İki hafta önce iade istedim, hâlâ para hesabıma geçmedi", "Gül Çetin"}},
	{file: "html_only.eml", subject: "Panel girişi", from: "selin@acar.example", name: "Selin Acar",
		newHas: []string{"Panele giriş yapamıyorum", "şifremi"}, newLacks: []string{"alert", "javascript", "more"},
		htmlHas: []string{"<b>şifremi</b>"}},
	{file: "broken_no_boundary.eml", wantErr: "boundary"},
	{file: "broken_parts.eml", subject: "half broken", from: "half@example.net", name: "Half Broken",
		newHas: []string{"invoice is attached"}, warned: true},
	{file: "undeclared_8bit.eml", subject: "sifre", from: "eski@example.com.tr",
		newHas: []string{"Şifremi unuttum, yeni şifre gönderir misiniz? Teşekkürler."}},
	{file: "thunderbird_tr.eml", subject: "Ynt: Yedekleme hakkında", from: "oguz.sahin@firma.com.tr", name: "Oğuz Şahin",
		newHas: []string{"Yedekler her gün alınıyor mu"}, newLacks: []string{"Bilgi İşlem", "panelden yapabilirsiniz", "yazdı"}},
	{file: "interleaved_en.eml", subject: "Re: Questions", from: "ali@veli.example", name: "Ali Veli",
		newHas: []string{"example.com.tr", "Yes, yesterday."}, newLacks: []string{"Which domain", "wrote:"}},
	{file: "autoreply_ooo.eml", auto: true, subject: "Otomatik yanıt: [#42] Alan adı transferi", from: "murat@kaya.example", name: "Murat Kaya",
		newHas: []string{"ofis dışındayım"}},
	{file: "bounce_dsn.eml", auto: true, subject: "Undelivered Mail Returned to Sender", from: "MAILER-DAEMON@mx.example.net", name: "Mail Delivery Subsystem",
		newHas: []string{"could not be delivered"}, files: []string{"delivery-status.txt"}},
	{file: "newsletter_list.eml", auto: true, subject: "Weekly hosting digest", from: "news@lists.example.org", name: "Hosting News"},
}

func TestParseCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/inbound/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(corpus, func(c corpusCase) bool { return c.file == filepath.Base(f) }) {
			t.Errorf("fixture %s has no expectations in the corpus table", f)
		}
	}
	for _, c := range corpus {
		t.Run(strings.TrimSuffix(c.file, ".eml"), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "inbound", c.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(raw, ParseLimits{})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Parse: %v, want an error about %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Subject != c.subject {
				t.Errorf("subject %q, want %q", p.Subject, c.subject)
			}
			if p.From == nil || p.From.Address != c.from || p.From.Name != c.name {
				t.Errorf("from %+v, want %q <%s>", p.From, c.name, c.from)
			}
			if p.MessageID == "" {
				t.Error("no Message-ID")
			}
			for _, s := range c.newHas {
				if !strings.Contains(p.Reply.New, s) {
					t.Errorf("new text lacks %q:\n%s", s, p.Reply.New)
				}
			}
			for _, s := range c.newLacks {
				if strings.Contains(p.Reply.New, s) {
					t.Errorf("new text has %q:\n%s", s, p.Reply.New)
				}
			}
			for _, s := range c.quoted {
				if !strings.Contains(p.Reply.Quoted, s) {
					t.Errorf("quoted text lacks %q:\n%s", s, p.Reply.Quoted)
				}
			}
			var names []string
			for _, a := range p.Attachments {
				names = append(names, a.Filename)
			}
			if !slices.Equal(names, c.files) {
				t.Errorf("attachments %q, want %q", names, c.files)
			}
			for _, s := range c.htmlHas {
				if !strings.Contains(p.HTML, s) {
					t.Errorf("HTML lacks %q: %s", s, p.HTML)
				}
			}
			if (len(p.Warnings) > 0) != c.warned {
				t.Errorf("warnings %q, want some: %v", p.Warnings, c.warned)
			}
			if c.irt != "" && (len(p.InReplyTo) != 1 || p.InReplyTo[0] != c.irt) {
				t.Errorf("In-Reply-To %q, want %q", p.InReplyTo, c.irt)
			}
			if auto := AutoReason(p.Header, "sender@example.net", p.From.Address) != ""; auto != c.auto {
				t.Errorf("automatic = %v, want %v", auto, c.auto)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	raw, err := os.ReadFile("testdata/inbound/windows1254_attachment.eml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(raw, ParseLimits{MaxAttachmentBytes: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 0 || len(p.Omitted) != 1 || !strings.Contains(p.Omitted[0], "ödeme dekontu.pdf") {
		t.Fatalf("attachments %d, omitted %q", len(p.Attachments), p.Omitted)
	}
	if txt := messageText(p); !strings.Contains(txt, "attachment not kept: ödeme dekontu.pdf") {
		t.Errorf("the message text does not say the file was left out: %q", txt)
	}

	exe := "From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"..\\\\setup.exe\"\r\n\r\nMZ\x90\x00binary\r\n--b--\r\n"
	p, err = Parse([]byte(exe), ParseLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 0 || len(p.Omitted) != 1 || !strings.Contains(p.Omitted[0], "setup.exe: an executable") {
		t.Errorf("executable: attachments %d, omitted %q", len(p.Attachments), p.Omitted)
	}
}

func TestSplitReply(t *testing.T) {
	for _, c := range []struct {
		name, text       string
		forwarded        bool
		new, quoted, sig string
	}{
		{name: "plain", text: "Merhaba\nnasılsınız", new: "Merhaba\nnasılsınız"},
		{name: "english attribution", text: "Yes.\n\nOn Mon, 1 Dec 2026 at 10:00, A <a@b.c> wrote:\n> Is it?",
			new: "Yes.", quoted: "On Mon, 1 Dec 2026 at 10:00, A <a@b.c> wrote:\n> Is it?"},
		{name: "turkish gmail", text: "Evet.\n\nA <a@b.c>, 1 Ara 2026 Pzt, 10:00 tarihinde şunu yazdı:\n> Öyle mi?",
			new: "Evet.", quoted: "A <a@b.c>, 1 Ara 2026 Pzt, 10:00 tarihinde şunu yazdı:\n> Öyle mi?"},
		{name: "turkish apple", text: "Tamam\n\n1 Ara 2026 tarihinde 10:00 saatinde, A <a@b.c> şunları yazdı:\n\nÖnceki ileti",
			new: "Tamam", quoted: "1 Ara 2026 tarihinde 10:00 saatinde, A <a@b.c> şunları yazdı:\n\nÖnceki ileti"},
		{name: "outlook english block", text: "Done.\n\nFrom: A\nSent: Monday\nTo: B\nSubject: x\n\nold",
			new: "Done.", quoted: "From: A\nSent: Monday\nTo: B\nSubject: x\n\nold"},
		{name: "outlook original message", text: "OK\n-----Original Message-----\nFrom: A\nold", new: "OK", quoted: "-----Original Message-----\nFrom: A\nold"},
		{name: "turkish outlook marker", text: "Tamam\n-----Özgün İleti-----\neski", new: "Tamam", quoted: "-----Özgün İleti-----\neski"},
		{name: "signature", text: "Body\n-- \nAli\nCEO", new: "Body", sig: "--\nAli\nCEO"},
		{name: "mobile footer", text: "Body\n\nSent from my iPhone\n", new: "Body", sig: "Sent from my iPhone"},
		{name: "samsung footer tr", text: "Tamam\n\nSamsung Galaxy cihazımdan gönderildi", new: "Tamam", sig: "Samsung Galaxy cihazımdan gönderildi"},
		{name: "a From line in the body is not a block", text: "From: my phone I cannot log in\nhelp", new: "From: my phone I cannot log in\nhelp"},
		{name: "forward keeps the block", text: "FYI\n\nFrom: A\nSent: Monday\nSubject: x\n\nthe forwarded text", forwarded: true,
			new: "FYI\n\nFrom: A\nSent: Monday\nSubject: x\n\nthe forwarded text"},
		{name: "all quoted is judged whole", text: "> only a quote\n> nothing new", new: "> only a quote\n> nothing new"},
		{name: "interleaved", text: "On Mon, A wrote:\n> q1\na1\n> q2\na2", new: "a1\na2", quoted: "On Mon, A wrote:\n> q1\n> q2"},
		{name: "crlf", text: "Evet\r\n\r\nOn Mon, A wrote:\r\n> x\r\n", new: "Evet", quoted: "On Mon, A wrote:\n> x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := SplitReply(c.text, c.forwarded)
			if r.New != c.new || r.Quoted != c.quoted || r.Signature != c.sig {
				t.Errorf("SplitReply = new %q quoted %q sig %q\nwant new %q quoted %q sig %q", r.New, r.Quoted, r.Signature, c.new, c.quoted, c.sig)
			}
		})
	}
}

func TestSanitizeHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<p onclick="x()">a</p><script>alert(1)</script>`, `<p>a</p>`},
		{`<a href="javascript:alert(1)">x</a>`, `x`},
		{`<a href="https://e.example/">x</a>`, `<a href="https://e.example/" rel="nofollow noreferrer noopener" target="_blank">x</a>`},
		{`<img src="https://tracker.example/p.gif">`, ``},
		{`<img src="cid:part1@x" alt="logo">`, `<img src="cid:part1@x" alt="logo">`},
		{`<div style="position:fixed" class="c" id="app">t</div>`, `<div>t</div>`},
		{`<style>p{}</style><iframe src="x"></iframe><form><input></form>ok`, `ok`},
		{`<table><tr><td colspan="2">x</td></tr></table>`, `<table><tr><td colspan="2">x</td></tr></table>`},
	} {
		if got := SanitizeHTML(c.in); got != c.want {
			t.Errorf("SanitizeHTML(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAutoReason(t *testing.T) {
	h := func(kv ...string) textproto.MIMEHeader {
		m := textproto.MIMEHeader{}
		for i := 0; i < len(kv); i += 2 {
			m.Set(kv[i], kv[i+1])
		}
		return m
	}
	for _, c := range []struct {
		name       string
		header     textproto.MIMEHeader
		env, from  string
		automatic  bool
		reasonPart string
	}{
		{"person", h(), "a@b.example", "a@b.example", false, ""},
		{"auto-submitted no", h("Auto-Submitted", "no"), "a@b.example", "a@b.example", false, ""},
		{"auto-replied", h("Auto-Submitted", "auto-replied; owner-email=a@b"), "a@b.example", "a@b.example", true, "auto-replied"},
		{"auto-generated", h("Auto-Submitted", "Auto-Generated"), "a@b.example", "a@b.example", true, "auto-generated"},
		{"x-autoreply", h("X-Autoreply", "yes"), "a@b.example", "a@b.example", true, "X-Autoreply"},
		{"x-autorespond", h("X-Autorespond", "Out of office"), "a@b.example", "a@b.example", true, "X-Autorespond"},
		{"precedence bulk", h("Precedence", "bulk"), "a@b.example", "a@b.example", true, "bulk"},
		{"precedence junk", h("Precedence", "JUNK"), "a@b.example", "a@b.example", true, "junk"},
		{"list-id", h("List-Id", "<x.lists.example>"), "a@b.example", "a@b.example", true, "List-Id"},
		{"one-click unsubscribe", h("List-Unsubscribe", "<https://u>", "List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), "a@b.example", "a@b.example", true, "bulk"},
		{"unsubscribe link alone", h("List-Unsubscribe", "<mailto:u@x>"), "a@b.example", "a@b.example", false, ""},
		{"dsn", h("Content-Type", "multipart/report; report-type=delivery-status; boundary=x"), "a@b.example", "a@b.example", true, "delivery status"},
		{"read receipt", h("Content-Type", "multipart/report; report-type=disposition-notification"), "a@b.example", "a@b.example", true, "read receipt"},
		{"null sender", h(), "", "a@b.example", true, "null envelope sender"},
		{"mailer-daemon", h(), "MAILER-DAEMON@mx.example", "x@y.example", true, "mailer-daemon"},
		{"postmaster from", h(), "bounce@mx.example", "Postmaster@mx.example", true, "postmaster"},
	} {
		r := AutoReason(c.header, c.env, c.from)
		if (r != "") != c.automatic || !strings.Contains(strings.ToLower(r), strings.ToLower(c.reasonPart)) {
			t.Errorf("%s: AutoReason = %q, want automatic %v mentioning %q", c.name, r, c.automatic, c.reasonPart)
		}
	}
}

func TestSubjectTicketID(t *testing.T) {
	for s, want := range map[string]int64{
		"Re: [#123] Transfer":         123,
		"YNT: [# 7] x":                7,
		"Ticket #55 follow-up":        55,
		"Bilet #9 hakkında":           9,
		"Destek talebi #31":           31,
		"Talep no: 12":                12,
		"2 alan adı için #1 öncelik":  0,
		"Fiyat 100 TL #indirim":       0,
		"Re: Transfer":                0,
		"[#99999999999999999999] big": 0,
	} {
		if got := subjectTicketID(s); got != want {
			t.Errorf("subjectTicketID(%q) = %d, want %d", s, got, want)
		}
	}
}
