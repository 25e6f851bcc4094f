package audiences

import (
	"context"
	"errors"
	"testing"
)

func TestNextPageLinksStayOnThePlatformHost(t *testing.T) {
	c := NewClient(Credentials{ClientID: "x", ClientSecret: "y", OrgID: "o", Sandbox: "s", IMSURL: "http://127.0.0.1:1", PlatformURL: "https://platform.example"})
	c.token, c.expires = "tok", c.now().Add(24*3600e9)
	for _, link := range []string{"https://evil.example/data", "//evil.example/x", "https://platform.example@evil.example/x", "http://platform.example/data/x"} {
		var out any
		if err := c.get(context.Background(), flowServiceBase, link, &out); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", link, err)
		}
	}
}

// Next-page links resolve against the API base Adobe writes them relative to.
func TestNextPageLinksResolveAgainstTheirAPIBase(t *testing.T) {
	c := NewClient(Credentials{PlatformURL: "https://platform.example/prefix/"})
	for _, tc := range []struct{ service, link, want string }{
		// flow-service.yaml, PageLink: "/connections?continuationToken=…", relative to the
		// Flow Service base.
		{flowServiceBase, "/targetConnections?continuationToken=abc", "https://platform.example/prefix/data/foundation/flowservice/targetConnections?continuationToken=abc"},
		{flowServiceBase, "flows?continuationToken=abc", "https://platform.example/prefix/data/foundation/flowservice/flows?continuationToken=abc"},
		// Our own first requests name the whole path.
		{flowServiceBase, "/data/foundation/flowservice/flows?limit=100", "https://platform.example/prefix/data/foundation/flowservice/flows?limit=100"},
		// segmentation.yaml, listAudiences: "@/audiences?start=1&limit=2&totalCount=111".
		{upsBase, "@/audiences?start=1&limit=2&totalCount=111", "https://platform.example/prefix/data/core/ups/audiences?start=1&limit=2&totalCount=111"},
		{upsBase, "https://platform.example/prefix/data/core/ups/audiences?start=4", "https://platform.example/prefix/data/core/ups/audiences?start=4"},
	} {
		got, err := c.resolve(tc.service, tc.link)
		if err != nil || got != tc.want {
			t.Errorf("%s + %q = %q, %v; want %q", tc.service, tc.link, got, err, tc.want)
		}
	}
}
