package classify

import (
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"destek/internal/classify/dataset"
	"destek/internal/policy"
)

func cats(r Result) []string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.Category)
	}
	sort.Strings(out)
	return out
}

func op(r Result) string {
	if r.CriticalOperation == nil {
		return ""
	}
	return *r.CriticalOperation
}

// checkResult checks the invariants every result keeps.
func checkResult(t *testing.T, text string, r Result) {
	t.Helper()
	if r.Language != "tr" && r.Language != "en" {
		t.Errorf("%q: language %q", text, r.Language)
	}
	tax := DefaultTaxonomy()
	sc, ok := tax.scope(r.Scope.Category)
	if !ok || r.Scope.InScope != (sc.InScope && sc.ID != ScopeOther) {
		t.Errorf("%q: scope %+v", text, r.Scope)
	}
	if r.Scope.Confidence < 0 || r.Scope.Confidence > 1 {
		t.Errorf("%q: scope confidence %v", text, r.Scope.Confidence)
	}
	if r.Violations == nil {
		t.Errorf("%q: nil violations (must be an empty list)", text)
	}
	level := 0
	for _, v := range r.Violations {
		if v.Start < 0 || v.End > len(text) || v.Start > v.End || text[v.Start:v.End] != v.Evidence || v.Evidence == "" {
			t.Errorf("%q: evidence %q at [%d,%d) is not the text there", text, v.Evidence, v.Start, v.End)
		}
		if v.Rule == "" || v.Article == "" || v.Level < 1 || v.Level > 3 || v.Confidence <= 0 || v.Confidence > 1 {
			t.Errorf("%q: finding %+v", text, v)
		}
		level = max(level, v.Level)
	}
	if r.Level != level {
		t.Errorf("%q: level %d, findings say %d", text, r.Level, level)
	}
	if r.CriticalOperation != nil {
		if r.Scope.Category == ScopeOther {
			t.Errorf("%q: scope other with operation %s", text, *r.CriticalOperation)
		}
		f := r.Operation
		if f == nil || text[f.Start:f.End] != f.Evidence || f.Rule == "" {
			t.Errorf("%q: operation finding %+v", text, f)
		}
	}
}

func loadSet(t *testing.T, path string) []dataset.Support {
	t.Helper()
	set, err := dataset.ReadSupport(path)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestOwnSet runs the package's own labelled messages: each must come out
// exactly as labelled.
func TestOwnSet(t *testing.T) {
	e := Default()
	for _, m := range loadSet(t, "testdata/extra.jsonl") {
		r := e.Classify(m.Text)
		checkResult(t, m.Text, r)
		want := append([]string(nil), m.Violations...)
		sort.Strings(want)
		if r.Scope.Category != m.Scope || r.Level != m.Level || op(r) != m.Op() || strings.Join(cats(r), ",") != strings.Join(want, ",") {
			t.Errorf("%s: got scope %s level %d op %q %v; want %s %d %q %v\n  %s",
				m.ID, r.Scope.Category, r.Level, op(r), cats(r), m.Scope, m.Level, m.Op(), want, m.Text)
		}
	}
}

// TestSharedDevSet holds the engine to the targets on the shared dev set.
func TestSharedDevSet(t *testing.T) {
	set := loadSet(t, "/work/shared/eval/dev.jsonl")
	e := Default()
	var scopeOK, levelOK, clean int
	var vtp, vfp, vfn, otp, ofp, ofn float64
	for _, m := range set {
		r := e.Classify(m.Text)
		checkResult(t, m.Text, r)
		if r.Scope.Category == m.Scope {
			scopeOK++
		}
		if r.Level == m.Level {
			levelOK++
		}
		got, want := len(r.Violations) > 0, len(m.Violations) > 0
		switch {
		case got && want:
			vtp++
		case got:
			vfp++
			clean++
			t.Errorf("%s is clean but got %v: %s", m.ID, cats(r), m.Text)
		case want:
			vfn++
		}
		switch g, w := op(r), m.Op(); {
		case g == w && w != "":
			otp++
		case g != w:
			if g != "" {
				ofp++
			}
			if w != "" {
				ofn++
			}
		}
	}
	n := float64(len(set))
	f1 := func(tp, fp, fn float64) float64 { return 2 * tp / (2*tp + fp + fn) }
	if a := float64(scopeOK) / n; a < 0.90 {
		t.Errorf("scope accuracy %.3f < 0.90", a)
	}
	if f := f1(vtp, vfp, vfn); f < 0.95 {
		t.Errorf("violation F1 %.3f < 0.95", f)
	}
	if a := float64(levelOK) / n; a < 0.90 {
		t.Errorf("level accuracy %.3f < 0.90", a)
	}
	if f := f1(otp, ofp, ofn); f < 0.90 {
		t.Errorf("critical-operation F1 %.3f < 0.90", f)
	}
}

// Words that merely contain a swear word, or look like one, are clean.
func TestNoFalsePositivesOnInnocentWords(t *testing.T) {
	e := Default()
	texts := []string{
		// Turkish, with and without Turkish letters
		"Şikayetimi iletmek istiyorum, sikayet formu açılmıyor.",
		"bu sikayet sik sik tekrarlaniyor, sikinti nerede anlamadim",
		"Sık sık bağlantı kopuyor, sıkıntı sunucuda mı?",
		"Sıkça sorulan sorular sayfası boş, sık kullanılanlara ekleyemedim.",
		"beklemekten sikildim ya, canim sikildi artik",
		"Sayfa çok sıkıcı görünüyor, tasarımı değiştirebilir misiniz?",
		"Kuyrukta sıkışan mailler ne zaman gider? Mail kuyrugu sikisti galiba.",
		"Dosyaları yeni sunucuya götürmek için götürü bir fiyat verir misiniz?",
		"Toplam maliyet nedir? Amacımız ambalaj firmamız için ambulans servisi sitesi açmak.",
		"Amatör kulübüz, amacı belli bir site. Ammar Bey ve Amin Bey hesap sahibi.",
		"Hırsız alarmı satan sitemiz için SSL sertifikası lazım.",
		"Yarın sabah yarım saatliğine bakım var mı? Yaramaz bir hata var.",
		"Orman ürünleri sitemiz, Oros markası için alan adı arıyoruz.",
		"Kaşar peyniri ve kaşarlı tost satan sitemiz açılmıyor.",
		"Sikke koleksiyonu için sikke.com.tr alan adı müsait mi?",
		"Boks kulübü sitesi ve bokser şort mağazası için hosting lazım.",
		"Taşıma işlemi ne zaman biter? Taşınma sürecindeyiz.",
		"Göteborg'daki şubemiz için .se alan adı alabilir miyiz?",
		"Sıçrama oranı (bounce rate) çok yüksek, Analytics'te sıçan grafik var.",
		"Kartı sokmak istediğimde ödeme sayfası donuyor, sokak adresi de hatalı.",
		"Belki aptalca bir soru ama DNS kaydını nasıl eklerim?",
		"İbni Sina Hastanesi için alan adı transferi yapmak istiyoruz.",
		"Kahve dükkanımızın sitesi için SSL lazım, dallar halinde menü olacak.",
		"Yavaş açılıyor site, salata ve salam siparişleri gelmiyor.",
		"Apartman yönetimi sitemiz için mail hesabı açabilir miyiz?",
		"Malzeme listesi ve mallarımızın faturası nerede?",
		"Hainan adasına kargo sitesi; Dolar kuru güncellenmiyor.",
		"Şerefe diye bir içecek markası için domain arıyoruz.",
		"A.Ş. unvanımız değişti, T.C. kimlik numaram kayıtlı.",
		"AMG servis sitemiz ve OC ekran kartı mağazamız için hosting; profil pic güncellenmiyor.",
		// English
		"We run a driving school in Scunthorpe and an office in Penistone.",
		"Thanks for your assistance; our assistant will pass the password to the class.",
		"Is there a particular class of domains you don't support? We also sell bass guitars.",
		"The cocktail bar and the cockpit simulator sites are down.",
		"Please forward the invoice to Dickson and to Mr Hancock in Essex.",
		"Our shiitake shop and the Arsenal fan site need SSL certificates.",
		"This may be a stupid question, but where do I find the EPP code?",
		"Sorry, dumb question: how do I add a TXT record?",
		"The analytics show a niggardly budget; we drink negroni at the Middlesex office.",
		"Please update the documentation; the circumstances changed.",
		"Hello, I'd like to transfer my domain. Regards, Gareth",
		"I feel stupid, I deleted the record myself. How do I restore it?",
		"Firmamız kadın girişimci programında olduğu için indirim alabilir miyiz?",
		"Kürtçe ve Arapça sayfalar için ayrı alan adı mı almalıyız?",
		"We sell kill switches and hit counters; the shop is hosted with you.",
		"Our server died and the site was dead all night; please check the logs.",
		"Sunucu patladı, process'i öldürdüm ama site hâlâ çöktü.",
		"I'll share the screenshots of the error and post the logs here.",
		"Bu konuyu yöneticimle konuşmam lazım, kadın müşterimiz bekliyor.",
	}
	for _, s := range texts {
		r := e.Classify(s)
		checkResult(t, s, r)
		if len(r.Violations) > 0 {
			t.Errorf("%q: %v (%s %q)", s, cats(r), r.Violations[0].Rule, r.Violations[0].Evidence)
		}
	}
}

// Disguised swearing is found, and the evidence is quoted as written.
func TestDisguisedProfanity(t *testing.T) {
	e := Default()
	tests := []struct{ text, evidence string }{
		{"siktir git", "siktir"},
		{"S1KT1R G1T", "S1KT1R"},
		{"s*ktir ya", "s*ktir"},
		{"s i k t i r git", "s i k t i r"},
		{"s.i.k.t.i.r.i.n", "s.i.k.t.i.r.i.n"},
		{"sik tir git", "sik tir"},
		{"siktiiiiir", "siktiiiiir"},
		{"si\u200bktir git", "si\u200bktir"},
		{"ѕіktіr", "ѕіktіr"},
		{"ｓｉｋｔｉｒ", "ｓｉｋｔｉｒ"},
		{"amk ya", "amk"},
		{"a.m.k", "a.m.k"},
		{"@mk", "@mk"},
		{"aq", "aq"},
		{"a.q bu ne", "a.q"},
		{"oç'lar", "oç'lar"},
		{"orospu çocuğu", "orospu"},
		{"yarrak gibi", "yarrak"},
		{"ananı sikeyim", "ananı sikeyim"},
		{"fuck this", "fuck"},
		{"f*ck this", "f*ck"},
		{"f u c k i n g", "f u c k i n g"},
		{"sh1t happens", "sh1t"},
		{"this sh*t again", "sh*t"},
		{"wtf", "wtf"},
		{"what an a$$hole", "a$$hole"},
	}
	for _, tc := range tests {
		r := e.Classify(tc.text)
		checkResult(t, tc.text, r)
		found := false
		for _, v := range r.Violations {
			if v.Category == Profanity && v.Evidence == tc.evidence {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: %+v, want profanity %q", tc.text, r.Violations, tc.evidence)
		}
	}
}

// The labelling conventions of classification.md, each on fresh wording.
func TestConventions(t *testing.T) {
	e := Default()
	tests := []struct {
		name, text, scope string
		cats              []string
		op                string
	}{
		{"how-to is no operation", "Nameserver'ları panelden nasıl değiştirebilirim?", "dns", nil, ""},
		{"asking support to do it is", "Nameserver'ları ns1.ornek.net olarak değiştirir misiniz?", "dns", nil, "dns_change"},
		{"english how-to", "Where do I reset my 2FA in the panel?", "panel_api", nil, ""},
		{"english request", "Please reset my 2FA, I lost my phone.", "panel_api", nil, "account_access"},
		{"mailbox password is hosting", "info@ornek.com.tr mail hesabımın şifresini sıfırlar mısınız?", "hosting", nil, "account_access"},
		{"other carries no operation", "Geberin hepiniz, hiçbir şey istemiyorum artık.", "other", []string{"insult"}, ""},
		{"abuse only is other", "Salaklar!", "other", []string{"insult"}, ""},
		{"complaint is no violation", "Üç gündür bekliyorum, çok hayal kırıklığına uğradım. Tüketici hakem heyetine başvuracağım.", "other", nil, ""},
		{"lawsuit is no violation", "If my data is not restored, we will file a lawsuit and ask for damages.", "content_recovery", nil, ""},
		{"manager is no violation", "Lütfen beni bir yöneticiye bağlayın, faturam hâlâ yanlış.", "billing", nil, ""},
		{"one word in capitals", "The invoice amount is WRONG, please correct it.", "billing", nil, ""},
		{"pressure", "Yarına kadar iademi yapmazsanız neler olacağını görürsünüz.", "billing", []string{"pressure"}, "refund"},
		{"threat", "Adını not aldım, seni işten attıracağım. Transfer kodumu hemen gönderin.", "domain", []string{"threat"}, "auth_code"},
		{"blackmail", "Hesabımı açmazsanız yazışmalarımızın ekran görüntülerini sosyal medyada ifşa edeceğim.", "panel_api", []string{"blackmail"}, "account_access"},
		{"honest review", "I will write an honest review of your support on Google.", "other", nil, ""},
		{"physical", "Ofisinize gelip o destekçinin kafasını kıracağım.", "other", []string{"physical_threat"}, ""},
		{"fraud: assistant asks for the code", "Hi, I'm the personal assistant of the registrant. Please send the EPP code for example.com to this address instead, no need to contact him.", "domain", []string{"fraud"}, "auth_code"},
		{"holder's own urgent request", "Hesap sahibi benim, EPP kodunu acilen e-posta adresime gönderin lütfen.", "domain", nil, "auth_code"},
		{"official request is no violation", "Cumhuriyet Başsavcılığı yazısı ektedir. ornek.com alan adının kayıt sahibine ait bilgileri bu adrese gönderebilir misiniz?", "legal_notice", nil, "data_disclosure"},
		{"unlawful: someone else's data", "Bu alan adının sahibinin telefonunu ve adresini verin, WHOIS'te gizli.", "domain", []string{"unlawful_request"}, "data_disclosure"},
		{"aggression without insult", "ÜÇ GÜNDÜR MAİLLERİM GELMİYOR!!! KİMSE İLGİLENMİYOR!!! HEMEN ÇÖZÜN!!!", "hosting", []string{"aggression"}, ""},
		{"insult replaces aggression", "SİZ TAM BİR BECERİKSİZLER TOPLULUĞUSUNUZ!!! SALAKLAR!!!", "other", []string{"insult"}, ""},
		{"profanity at a third party", "Bu oç'ların phishing sitesini kapatın: ornek-banka.com", "abuse_report", []string{"profanity"}, ""},
		{"abuse report calls them scammers", "Dolandırıcı bir site var: ornek-kargo.com. Kart bilgilerini çalıyorlar, inceleyin.", "abuse_report", nil, ""},
		{"harassment", "Telefondaki hanımefendinin sesi çok tatlıydı, evli mi? Numarasını alabilir miyim?", "other", []string{"harassment"}, ""},
		{"hate", "Bana Suriyeli biri bağlamayın, bunlar yüzünden memleket bu halde.", "other", []string{"hate"}, ""},
		{"disrespect", "Aferin size, bir CNAME kaydını bile ekleyemiyorsunuz.", "dns", []string{"disrespect"}, ""},
		{"not asking for a refund", "I'm not asking for a refund, I just want to know why I was charged twice.", "billing", nil, ""},
	}
	for _, tc := range tests {
		r := e.Classify(tc.text)
		checkResult(t, tc.text, r)
		if r.Scope.Category != tc.scope || strings.Join(cats(r), ",") != strings.Join(tc.cats, ",") || op(r) != tc.op {
			t.Errorf("%s: got %s %v %q, want %s %v %q\n  %s", tc.name, r.Scope.Category, cats(r), op(r), tc.scope, tc.cats, tc.op, tc.text)
		}
	}
}

func TestTaxonomyValidate(t *testing.T) {
	if err := DefaultTaxonomy().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Taxonomy){
		func(t *Taxonomy) { t.Scopes = t.Scopes[1:] },
		func(t *Taxonomy) { t.Conduct = t.Conduct[:3] },
		func(t *Taxonomy) { t.Operations = nil },
		func(t *Taxonomy) { t.Conduct[0].Level = 4 },
		func(t *Taxonomy) { t.Conduct[0].Articles = nil },
		func(t *Taxonomy) { t.Scopes = append(t.Scopes, ScopeCategory{ID: "dns"}) },
		func(t *Taxonomy) { t.Scopes = append(t.Scopes, ScopeCategory{ID: "Bad-ID"}) },
	}
	for i, f := range bad {
		tax := DefaultTaxonomy()
		f(&tax)
		if err := tax.Validate(); err == nil {
			t.Errorf("case %d: no error", i)
		}
		if _, err := New(tax); err == nil {
			t.Errorf("case %d: New accepted it", i)
		}
	}
}

// A taxonomy from the policy changes levels and articles and adds
// categories with their own words, without touching the engine's code.
func TestCustomTaxonomy(t *testing.T) {
	tax := DefaultTaxonomy()
	for i := range tax.Conduct {
		if tax.Conduct[i].ID == Profanity {
			tax.Conduct[i].Level = 3
			tax.Conduct[i].Articles = []string{"7.3"}
		}
	}
	tax.Conduct = append(tax.Conduct, ConductCategory{ID: "spam_links", Level: 1, Articles: []string{"4.4"}, Terms: []string{"bit.ly", "kazan* _2 tıkla*"}})
	tax.Scopes = append(tax.Scopes, ScopeCategory{ID: "cargo", InScope: false, Article: "6", Cues: []string{"kargo* ; w=3", "paketim*"}})
	tax.Operations[0].Cues = []string{"çıkış kod*"}
	e, err := New(tax)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Classify("amk")
	if r.Level != 3 || r.Violations[0].Article != "7.3" {
		t.Errorf("profanity at level 3: %+v", r)
	}
	r = e.Classify("Hemen kazanmak için tıklayın!")
	if cats(r)[0] != "spam_links" || r.Level != 1 {
		t.Errorf("policy term: %+v", r)
	}
	r = e.Classify("Kargom nerede? Paketim 3 gündür gelmedi.")
	if r.Scope.Category != "cargo" || r.Scope.InScope {
		t.Errorf("policy scope: %+v", r.Scope)
	}
	r = e.Classify("Alan adımın çıkış kodunu gönderir misiniz?")
	if op(r) != OpAuthCode {
		t.Errorf("policy operation cue: %+v", r)
	}
	if _, err := New(Taxonomy{}); err == nil {
		t.Error("New accepted an empty taxonomy")
	}
	bad := DefaultTaxonomy()
	bad.Conduct[0].Terms = []string{"_ gap first"}
	if _, err := New(bad); err == nil {
		t.Error("New accepted a broken term")
	}
}

func TestTaxonomyFromPolicy(t *testing.T) {
	doc := policy.Default()
	tax := TaxonomyFromPolicy(doc)
	if err := tax.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(tax.Scopes) != len(doc.Scope.Categories) || len(tax.Conduct) != len(doc.Conduct.Categories) || len(tax.Operations) != len(doc.CriticalOperations) {
		t.Errorf("sizes %d/%d/%d", len(tax.Scopes), len(tax.Conduct), len(tax.Operations))
	}
	for _, c := range tax.Conduct {
		p := doc.Conduct.Categories[c.ID]
		if c.Level != p.Level || c.Article() != p.Article {
			t.Errorf("%s: level %d article %s, policy %d %s", c.ID, c.Level, c.Article(), p.Level, p.Article)
		}
	}
	if _, err := New(tax); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := Default()
	texts := []string{"siktir git", "EPP kodunu gönderin", "Merhaba", "You idiots, refund me now!!!"}
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = e.Classify(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 200; k++ {
				i := k % len(texts)
				r := e.Classify(texts[i])
				if r.Level != want[i].Level || r.Scope != want[i].Scope || op(r) != op(want[i]) {
					t.Errorf("%q: %+v, want %+v", texts[i], r, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestEmptyAndOddInput(t *testing.T) {
	e := Default()
	for _, s := range []string{"", " ", "\n\n", "!!!", "\xff\xfe", "🙏🙏", strings.Repeat("a", 10000), strings.Repeat("sik ", 2000)} {
		checkResult(t, s, e.Classify(s))
	}
	if r := e.Classify(""); r.Scope.Category != ScopeOther || r.Level != 0 {
		t.Errorf("empty text: %+v", r)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"Siktir edin şu DNS yayılımını, CNAME'i düzeltin!",
		"EPP kodunu gönderin yoksa ekran görüntülerini Twitter'da paylaşacağım.",
		"I'm his assistant, send the auth code to this address instead.",
		"s.i.k.t.i.r a** f***ing ѕіktіr 'quoted' #tag @USER http://x.com",
		"ÇOK ACİL!!! SİTE AÇILMIYOR!!! info@ornek.com.tr",
	} {
		f.Add(s)
	}
	e := Default()
	f.Fuzz(func(t *testing.T, s string) {
		checkResult(t, s, e.Classify(s))
	})
}
