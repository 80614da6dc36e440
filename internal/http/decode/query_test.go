package decode

import (
	"net/http/httptest"
	"testing"

	"destek/internal/desk"
)

func TestQuery(t *testing.T) {
	r := httptest.NewRequest("GET", "/?status=a&status=b&limit=5&id=7&flag=true", nil)
	v, err := Query(r, []string{"status", "limit", "id", "flag"}, "status")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Limit(v); err != nil || n != 5 {
		t.Fatalf("limit %d %v", n, err)
	}
	if id, err := Int64(v, "id"); err != nil || *id != 7 {
		t.Fatalf("id %v %v", id, err)
	}
	if b, err := Bool(v, "flag"); err != nil || !b {
		t.Fatalf("flag %v %v", b, err)
	}
	if id, err := Int64(v, "missing"); err != nil || id != nil {
		t.Fatalf("missing id %v %v", id, err)
	}

	for q, field := range map[string]string{
		"/?other=1":         "other",
		"/?limit=1&limit=2": "limit",
		"/?limit=x":         "limit",
		"/?limit=201":       "limit",
		"/?id=0":            "id",
		"/?flag=yes":        "flag",
		"/?%zz":             "",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = q[2:]
		v, err := Query(r, []string{"limit", "id", "flag"})
		if err == nil {
			if _, err = Limit(v); err == nil {
				if _, err = Int64(v, "id"); err == nil {
					_, err = Bool(v, "flag")
				}
			}
		}
		if desk.ErrorCode(err) != desk.EINVALID || desk.ErrorField(err) != field {
			t.Errorf("%s: err = %v, want invalid field %q", q, err, field)
		}
	}
}
