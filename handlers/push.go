package handlers

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

type batchItemResult struct {
	Index      int                  `json:"index"`
	ExternalID string               `json:"external_id"`
	Result     string               `json:"result"`
	Errors     []vendors.FieldError `json:"errors,omitempty"`
}

type batchResponse struct {
	Results []batchItemResult `json:"results"`
	Counts  map[string]int    `json:"counts"`
}

// putOne answers a single-object PUT (an invoice or a credit note): the body's
// external_id must agree with the path; the item is pushed like a batch of
// one and answered 201 created, 200 updated or unchanged, or 422 with its
// field errors, with the stored object read back.
func putOne[R any, I any](s *Server, c *gin.Context, externalID func(*R) *string, convert func(R) (I, error),
	push func(ctx context.Context, vendorID int64, items []I) ([]vendors.PushResult, error),
	read func(ctx context.Context, vendorID int64, externalID string) (any, error)) {
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req R
	if err := decodeStrict(body, &req); err != nil {
		s.fail(c, err)
		return
	}
	id, path := externalID(&req), c.Param("external_id")
	if *id != "" && *id != path {
		s.fail(c, vendors.Invalid("external_id", "does not match the external_id in the URL"))
		return
	}
	*id = path
	in, err := convert(req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, vid := c.Request.Context(), vendorID(c)
	results, err := push(ctx, vid, []I{in})
	if err != nil {
		s.fail(c, err)
		return
	}
	if r := results[0]; r.Result == vendors.ResultError {
		s.fail(c, &vendors.ValidationError{Fields: r.Errors})
		return
	}
	out, err := read(ctx, vid, path)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if results[0].Result == vendors.ResultCreated {
		status = http.StatusCreated
	}
	c.JSON(status, out)
}

// decodeBatch reads {"<name>": [ … ]} with at most vendors.MaxBatch items,
// each decoded on its own (see readBatch), so one bad item does not sink the
// others. Items that fail to decode come back as error results.
func decodeBatch[R any, I any](c *gin.Context, name string, convert func(R) (I, error)) ([]I, []int, []batchItemResult, error) {
	body, err := readBody(c, maxBatchBody)
	if err != nil {
		return nil, nil, nil, err
	}
	items, err := readBatch[R](body, name)
	if err != nil {
		return nil, nil, nil, err
	}
	results := make([]batchItemResult, len(items))
	inputs := make([]I, 0, len(items))
	index := make([]int, 0, len(items))
	for i := range items {
		results[i].Index = i
		err := items[i].problem()
		var in I
		if err == nil {
			in, err = convert(items[i].req)
		}
		if err != nil {
			results[i].Result = vendors.ResultError
			results[i].Errors = fieldErrorsOf(err)
			var probe struct {
				ExternalID string `json:"external_id"`
			}
			json.Unmarshal(body[items[i].start:items[i].end], &probe)
			results[i].ExternalID = probe.ExternalID
			continue
		}
		inputs = append(inputs, in)
		index = append(index, i)
	}
	return inputs, index, results, nil
}

// answerBatch merges the push results into the decode results and responds.
func (s *Server) answerBatch(c *gin.Context, results []batchItemResult, index []int, pushed []vendors.PushResult, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	for j, r := range pushed {
		i := index[j]
		results[i].ExternalID, results[i].Result, results[i].Errors = r.ExternalID, r.Result, r.Errors
	}
	counts := map[string]int{vendors.ResultCreated: 0, vendors.ResultUpdated: 0, vendors.ResultUnchanged: 0, vendors.ResultError: 0}
	for _, r := range results {
		counts[r.Result]++
	}
	c.JSON(http.StatusOK, batchResponse{Results: results, Counts: counts})
}

func fieldErrorsOf(err error) []vendors.FieldError {
	if ve, ok := err.(*vendors.ValidationError); ok {
		return ve.Fields
	}
	return []vendors.FieldError{{Field: "body", Message: err.Error()}}
}
