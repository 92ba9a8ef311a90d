using System.Text;
using Microsoft.AspNetCore.Mvc;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Portal.Pages.Batches;

/// <summary>A batch's transactions as CSV, the bytes of <c>GET /merchant/batches/{id}/transactions.csv</c>; another's is 404.</summary>
public sealed class CsvModel(VioPayDbContext db) : PortalPage
{
    public async Task<IActionResult> OnGetAsync(string batchId, CancellationToken cancellationToken)
    {
        try
        {
            var (fileName, csv) = await BatchQueries.CsvAsync(db, Merchant.MerchantId!.Value, batchId, cancellationToken);
            return File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", fileName);
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return NotFoundPage("Batch not found.");
        }
    }
}
