package intake

import "testing"

func TestAcceptsOffer(t *testing.T) {
	yes := []string{
		"Evet, teklif istiyorum.", "TEKLİF İSTİYORUM", "teklif istiyorum lutfen", "Kabul ediyorum, fiyat nedir?",
		"Tamam, ücretli olarak yapın.", "I want a quote.", "Yes please, send me a quote", "We accept the offer.",
	}
	no := []string{
		"Teklif istemiyorum, ücretsiz yapılmalı.", "Bu kabul edilemez!", "I don't want a quote.", "teklifiniz pahalı",
		"Sitem hâlâ açılmıyor", "", "evet", "quote me on that",
	}
	for _, s := range yes {
		if !AcceptsOffer(s) {
			t.Errorf("%q should accept the offer", s)
		}
	}
	for _, s := range no {
		if AcceptsOffer(s) {
			t.Errorf("%q should not accept the offer", s)
		}
	}
}
